import Foundation

extension Starter {
    /// Writes the starter for a pipeline named `name` into `folder` (created if needed), and the JSON Schemas
    /// into `schema/` beside it when they are not there (the files' first line points editors at them). Refuses to
    /// overwrite a file that differs unless `force`; then nothing is written. Returns the paths written.
    public func write(named name: String, into folder: String, force: Bool = false) throws(BridgeCoreError)
        -> [String]
    {
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil,
            !name.hasSuffix(".test")
        else {
            throw BridgeCoreError(
                .invalidFile,
                "'\(name)' cannot name a pipeline file: use letters, digits, '.', '_' and '-' (and no '.test' at the end)"
            )
        }
        let manager = FileManager.default
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var planned = files(named: name).map { (path: "\(base)/\($0.path)", text: $0.text) }
        let schemaFolder = ((base as NSString).deletingLastPathComponent as NSString).appendingPathComponent("schema")
        for document in FormatSchema.Document.allCases {
            let path = "\(schemaFolder)/\(document.fileName)"
            if !manager.fileExists(atPath: path) { planned.append((path, FormatSchema.text(of: document))) }
        }
        // A file already there with the same text (a recording another starter wrote) is left as it is.
        planned.removeAll { file in
            manager.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self) == file.text } ?? false
        }
        let existing = planned.map(\.path).filter { manager.fileExists(atPath: $0) }
        if !existing.isEmpty, !force {
            throw BridgeCoreError(
                .io,
                "not overwriting \(existing.joined(separator: ", ")): choose another --name, or --force to replace them"
            )
        }
        for file in planned {
            do {
                try manager.createDirectory(
                    atPath: (file.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try file.text.write(toFile: file.path, atomically: true, encoding: .utf8)
            } catch {
                throw BridgeCoreError(.io, "cannot write \(file.path): \(error.localizedDescription)")
            }
        }
        return planned.map(\.path)
    }
}
