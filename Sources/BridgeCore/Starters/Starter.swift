/// The files `crisp-bridge init` writes for one sender: a pipeline, its test file with one recorded request (and
/// the recordings it reads), and for Google Sheets the Apps Script that signs and sends the rows.
public struct Starter: Sendable {
    /// One file, its path relative to the pipelines folder.
    public struct File: Sendable, Equatable {
        public let path: String
        public let text: String
    }

    /// What `init` takes, e.g. `hubspot`.
    public let name: String
    /// What it starts, for the list.
    public let summary: String
    /// The pipeline's name as written (its files are `NAME.yaml` and `NAME.test.yaml`).
    public let pipeline: String
    /// The example pipeline of `pipelines/` it comes from, if any.
    public let example: String?
    let files: [File]

    /// The files, for a pipeline named `name`: the pipeline's `name:`, its files and the test file's `pipeline:`
    /// follow it; recordings keep their names.
    public func files(named name: String) -> [File] {
        files.map { file in
            var path = file.path
            var text = file.text
            if path == "\(pipeline).yaml" {
                path = "\(name).yaml"
                text = Self.replacingLine("name: \(pipeline)", with: "name: \(name)", in: text)
            } else if path == "\(pipeline).test.yaml" {
                path = "\(name).test.yaml"
                text = Self.replacingLine("pipeline: \(pipeline).yaml", with: "pipeline: \(name).yaml", in: text)
            } else if path == "\(pipeline).gs" {
                path = "\(name).gs"
            }
            return File(path: path, text: text)
        }
    }

    /// `text` with the first line starting with `prefix` (then a space, a comment or its end) starting with
    /// `replacement` instead.
    static func replacingLine(_ prefix: String, with replacement: String, in text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let index = lines.firstIndex(where: {
            $0 == prefix || $0.hasPrefix(prefix + " ")
        }) {
            lines[index] = replacement + lines[index].dropFirst(prefix.count)
        }
        return lines.joined(separator: "\n")
    }
}
