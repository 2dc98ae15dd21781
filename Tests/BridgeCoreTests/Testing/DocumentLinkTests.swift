import Foundation
import Testing

/// Every relative link in the README, `docs/` and the example pipelines points at a file that exists.
@Suite struct DocumentLinkTests {
    /// The Markdown and pipeline files to check, relative to the repository.
    static func documents() throws -> [String] {
        var files = ["README.md"]
        let manager = FileManager.default
        for folder in ["docs", "pipelines"] {
            guard let walker = manager.enumerator(atPath: Paths.repository + "/" + folder) else { continue }
            for case let path as String in walker where path.hasSuffix(".md") || path.hasSuffix(".yaml") {
                files.append(folder + "/" + path)
            }
        }
        return files
    }

    /// `[text](target)` links in Markdown; in pipelines (YAML), the repository paths their comments and
    /// descriptions name (`docs/…`, `pipelines/…`, `scripts/…`, `schema/…`): (target, line). Paths written in
    /// Markdown prose are examples (`pipelines/NAME.test.yaml`), not references.
    static func references(in text: String, markdown: Bool) -> [(String, Int)] {
        var found: [(String, Int)] = []
        let link = try! NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        let path = try! NSRegularExpression(pattern: #"(?<![\w./-])((?:docs|pipelines|scripts|schema)/[\w./-]*\w)"#)
        for (number, line) in text.components(separatedBy: "\n").enumerated() {
            let range = NSRange(line.startIndex..., in: line)
            if markdown {
                for match in link.matches(in: line, range: range) {
                    found.append((String(line[Range(match.range(at: 1), in: line)!]), number + 1))
                }
                continue
            }
            for match in path.matches(in: line, range: range) {
                found.append(("/" + String(line[Range(match.range(at: 1), in: line)!]), number + 1))
            }
        }
        return found
    }

    @Test func everyRelativeLinkResolves() throws {
        var dangling: [String] = []
        var checked = 0
        for file in try Self.documents() {
            let text = try String(contentsOfFile: Paths.repository + "/" + file, encoding: .utf8)
            let folder = (file as NSString).deletingLastPathComponent
            for (target, line) in Self.references(in: text, markdown: file.hasSuffix(".md")) {
                if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("#") { continue }
                let withoutAnchor = String(target.prefix { $0 != "#" })
                // A leading "/" marks a repository path found in text; others are relative to the file.
                let resolved =
                    withoutAnchor.hasPrefix("/")
                    ? Paths.repository + withoutAnchor
                    : Paths.repository + "/" + (folder.isEmpty ? "" : folder + "/") + withoutAnchor
                checked += 1
                if !FileManager.default.fileExists(atPath: resolved) { dangling.append("\(file):\(line): \(target)") }
            }
        }
        #expect(dangling.isEmpty, "dangling references:\n\(dangling.joined(separator: "\n"))")
        #expect(checked > 20, "only \(checked) references found: the scan is broken")
    }

    @Test func theScanFindsADanglingLink() {
        let markdown = Self.references(in: "see [the senders](docs/senders.md) and pipelines/x.yaml.", markdown: true)
        #expect(markdown.map(\.0) == ["docs/senders.md"])
        let yaml = Self.references(in: "# set up: docs/senders.md, then pipelines/nothing-here.yaml.", markdown: false)
        #expect(yaml.map(\.0) == ["/docs/senders.md", "/pipelines/nothing-here.yaml"])
    }
}
