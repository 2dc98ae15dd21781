import Foundation
import Hummingbird

/// The intake benchmark's baseline (`scripts/bench`): a bare Hummingbird server with one POST route that reads
/// the body and answers 202, with the same HTTP server, process model and event loops as `serve`, but no
/// verification, parsing or store.
///
///     bare-intake [PORT]        (0, the default, picks a free port; the port is printed once listening)
@main
struct BareIntake {
    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 0
        let router = Router()
        router.post("/hooks/{name}") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(
                status: body.readableBytes > 0 ? .accepted : .badRequest,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"accepted"}"#)))
        }
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: "bare"),
            onServerRunning: { channel in
                FileHandle.standardOutput.write(
                    Data("bare-intake listening on http://127.0.0.1:\(channel.localAddress?.port ?? port)\n".utf8))
            })
        try await app.runService()
    }
}
