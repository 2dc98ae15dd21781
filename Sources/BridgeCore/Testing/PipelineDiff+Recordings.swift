import Foundation

extension PipelineDiff {
    /// What `recordings(at:)` found.
    public struct Recordings: Sendable {
        /// The recordings of either version's route, read as inputs, in path order.
        public var inputs: [Input] = []
        /// Recordings whose path is neither version's route: left out.
        public var otherRoutes: [String] = []
        /// Problems of files that could not be read as recordings, and of paths that do not exist.
        public var diagnostics: [Diagnostic] = []
    }

    /// Reads the recorded requests at `paths`: recording files, or folders searched (with their subfolders)
    /// for `*.yaml` and `*.yml` files, test files (`*.test.yaml`) left out. Other files (bodies, fetch answers)
    /// are not recordings. A recording carries its fetch answers and says whether it was verified when
    /// recorded (`serve --record`), as a test case reads it.
    public func recordings(at paths: [String]) -> Recordings {
        var found = Recordings()
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                found.diagnostics.append(
                    Diagnostic(
                        .error, "no such file or folder of recordings",
                        at: SourceLocation(file: path, line: 1, column: 1)))
                continue
            }
            guard isFolder.boolValue else {
                files.append(path)
                continue
            }
            let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
            let names = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []
            files += names.filter(Self.isRecordingName).sorted().map { "\(folder)/\($0)" }
        }
        for file in files {
            let (request, diagnostics) = RequestRecording.load(file: file)
            found.diagnostics += diagnostics.filter { $0.severity == .error }
            guard let request, !diagnostics.hasErrors else { continue }
            guard routes(request) else {
                found.otherRoutes.append(file)
                continue
            }
            let recorded = RequestRecording.fetchAnswers(file: file)
            found.diagnostics += recorded.diagnostics.filter { $0.severity == .error }
            found.inputs.append(
                Input(
                    name: file, request: request, fetches: recorded.answers, repeatingFetches: recorded.repeating,
                    verified: RequestRecording.isVerifiedRecording(file: file)))
        }
        return found
    }

    /// Whether a file found in a folder is a recording by its name: YAML, and not a test file.
    private static func isRecordingName(_ name: String) -> Bool {
        (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !name.hasSuffix(".test.yaml")
            && !name.hasSuffix(".test.yml")
    }
}
