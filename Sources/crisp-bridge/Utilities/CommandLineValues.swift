import ArgumentParser
import BridgeCore
import Foundation

/// Options several commands read the same way: `--env K=V` and `--fetch NAME=FILE`.
enum CommandLineValues {
    /// The process environment, with each `--env K=V` set over it.
    static func environment(_ pairs: [String]) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("--env takes K=V, got \(pair)") }
            environment[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        return environment
    }

    /// Each `--fetch NAME=FILE` as a recorded answer (status 200, the file's bytes), by name in the order given.
    static func fetchAnswers(_ specs: [String]) throws -> [String: [FetchResponse]] {
        var answers: [String: [FetchResponse]] = [:]
        for spec in specs {
            guard let eq = spec.firstIndex(of: "=") else {
                throw ValidationError("--fetch takes NAME=FILE, got \(spec)")
            }
            let name = String(spec[..<eq])
            let file = String(spec[spec.index(after: eq)...])
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read --fetch \(name)=\(file)")
            }
            answers[name, default: []].append(FetchResponse(status: 200, body: data))
        }
        return answers
    }
}
