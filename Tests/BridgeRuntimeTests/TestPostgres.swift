import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the tests use: `BRIDGE_TEST_POSTGRES_URL` (the test command sets it), else a
/// throwaway server started once by `scripts/throwaway-postgres.sh` and stopped when this process ends.
enum TestPostgres {
    static let logger = Logger(label: "crisp-bridge-tests-postgres")

    private static let server = Task<String, any Error> {
        if let given = ProcessInfo.processInfo.environment["BRIDGE_TEST_POSTGRES_URL"],
            let url = given.split(separator: "\n").last.map(String.init), url.hasPrefix("postgres")
        {
            return url
        }
        return try startServer().url
    }

    /// Starts a throwaway server of its own (stopped when this process ends): its URL, and the script that
    /// stops (`stop`) and starts (`start`) it again.
    static func startServer() throws -> (url: String, control: String) {
        let script =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/scripts/throwaway-postgres.sh"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [String(ProcessInfo.processInfo.processIdentifier)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The script's output ends when it exits (the server it leaves running writes elsewhere).
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        let url = lines.last ?? ""
        guard url.hasPrefix("postgres://"), let control = lines.first(where: { $0.hasPrefix("control: ") }) else {
            throw TestPostgresError(message: "the throwaway PostgreSQL did not start (\(script))")
        }
        return (url, String(control.dropFirst("control: ".count)))
    }

    /// Runs the control script of `startServer` (`stop` or `start`) and waits for it to finish.
    static func control(_ script: String, _ command: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [command]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else { throw TestPostgresError(message: "\(script) \(command) failed (\(status))") }
    }

    /// The server's URL.
    static func url() async throws -> String { try await server.value }

    /// A new, empty database on the server, and its URL.
    static func freshDatabase() async throws -> String {
        let base = try await url()
        var components = URLComponents(string: base)!
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var configuration = PostgresClient.Configuration(
            host: components.host!, port: components.port ?? 5432, username: components.user!,
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await Task.sleep(for: .milliseconds(20))
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            group.cancelAll()
        }
        components.path = "/" + name
        return components.string!
    }
}

struct TestPostgresError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
