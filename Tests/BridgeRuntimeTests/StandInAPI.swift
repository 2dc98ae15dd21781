import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local stand-in of a third-party API (Notion's, HubSpot's) for `fetch` calls in tests: real HTTP over
/// loopback, answering each request from a handler with recorded bodies, and keeping what it was asked.
final class StandInAPI: Sendable {
    struct Answer: Sendable {
        var status: Int = 200
        var body: String = "{}"
        /// A redirect's `Location`.
        var location: String? = nil
        /// How long to take before answering.
        var delay: Duration = .zero
        /// Other headers of the answer (`Retry-After`).
        var headers: [String: String] = [:]
    }

    struct Received: Sendable {
        let method: String
        let path: String
        let authorization: String?
        var query: String = ""
        var body: String = ""
        var contentType: String? = nil
        /// The `Idempotency-Key` header, when sent.
        var idempotencyKey: String? = nil
    }

    let port: Int
    private let log: RequestLog
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Received] { log.entries.withLock { $0 } }

    private init(port: Int, log: RequestLog, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.log = log
        self.group = group
        self.task = task
    }

    /// Starts on a free port; `answer` gets the method and path of each request.
    static func start(_ answer: @escaping @Sendable (_ method: String, _ path: String) -> Answer) async throws
        -> StandInAPI
    {
        try await start(answering: { answer($0.method, $0.path) })
    }

    /// Starts on a free port; `answer` gets each request (GET, POST or PUT) with its query and body.
    static func start(answering answer: @escaping @Sendable (Received) -> Answer) async throws -> StandInAPI {
        let log = RequestLog()
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put] {
            router.on("**", method: method) { request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 1 << 20)
                let received = Received(
                    method: method.rawValue, path: request.uri.path, authorization: request.headers[.authorization],
                    query: request.uri.query ?? "", body: String(buffer: bytes),
                    contentType: request.headers[.contentType],
                    idempotencyKey: HTTPField.Name("Idempotency-Key").flatMap { request.headers[$0] })
                log.entries.withLock { $0.append(received) }
                let a = answer(received)
                if a.delay > .zero { try await Task.sleep(for: a.delay) }
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                if let location = a.location { headers[.location] = location }
                for (name, value) in a.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
                return Response(
                    status: .init(code: a.status), headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: a.body)))
            }
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "stand-in")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await port in ports {
            return StandInAPI(port: port, log: log, group: group, task: task)
        }
        try await task.value
        throw StandInError()
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    struct StandInError: Error {}
}

/// The requests a stand-in received, shared by its route handler and the test.
private final class RequestLog: Sendable {
    let entries = Mutex<[StandInAPI.Received]>([])
}
