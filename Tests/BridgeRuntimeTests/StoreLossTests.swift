import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore
import Testing

/// The store file deleted under a running `serve` (an unmounted volume, a wrong clean-up): it stops saying it
/// is ready and stops acknowledging webhooks it could not keep.
extension ProcessTests {
    @Suite struct StoreLossTests {
        @Test func aDeletedStoreFailsReadinessAndIntakeAnswers503WithRetryAfter() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            #expect(try await h.post(body: RuntimeHarness.signup("kept-1", email: "ada@example.com")).status == 202)
            #expect(try await h.call("/readyz").status == 200)

            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: h.storePath + suffix) }
            let refused = try await h.eventually(timeout: .seconds(10)) {
                let readiness = try await h.call("/readyz")
                return readiness.status == 503 && readiness.body.contains("was deleted")
            }
            #expect(refused, "/readyz still ready after the store file was deleted")

            var request = HTTPClientRequest(url: "http://127.0.0.1:\(h.servePort)/hooks/signup")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(
                name: "Authorization",
                value: "Basic " + Data("test:\(RuntimeHarness.password)".utf8).base64EncodedString())
            request.body = .bytes(ByteBuffer(string: RuntimeHarness.signup("lost-1", email: "bob@example.com")))
            let response = try await RuntimeHarness.client.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 503)
            #expect(response.headers.first(name: "retry-after") == "10")
            let log = h.serve?.output ?? ""
            #expect(log.contains("was deleted while serve had it open"), "\(log.suffix(2000))")
        }
    }
}
