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

        /// A file renamed over the store's path: the very next request is refused (it was written to the file
        /// no longer at the path), not acknowledged for up to a second.
        @Test func aReplacedStoreAcknowledgesNothingWrittenAfterTheRename() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            #expect(try await h.post(body: RuntimeHarness.signup("kept-1", email: "ada@example.com")).status == 202)
            let copy = h.storePath + ".copy"
            try FileManager.default.copyItem(atPath: h.storePath, toPath: copy)
            #expect(rename(copy, h.storePath) == 0)
            let after = try await h.post(body: RuntimeHarness.signup("lost-1", email: "bob@example.com"))
            #expect(after.status == 503, "\(after)")
            _ = try await h.serve!.waitFor("was replaced by another file")
            #expect(try await h.call("/readyz").status == 503)
        }

        /// Bytes written over the start of the store file (a stray `dd`, a disk fault): the header check after
        /// each group commit refuses the request and readiness fails at once; a restart refuses the damaged
        /// file with what to do.
        @Test func aStoreOverwrittenInPlaceIsNoticedAndRefusedAtStartWithTheRecoverySteps() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            #expect(try await h.post(body: RuntimeHarness.signup("kept-1", email: "ada@example.com")).status == 202)
            let file = try #require(FileHandle(forWritingAtPath: h.storePath))
            try file.seek(toOffset: 0)
            try file.write(contentsOf: Data((0..<4096).map { _ in UInt8.random(in: 0...255) }))
            try file.close()
            let after = try await h.post(body: RuntimeHarness.signup("lost-1", email: "bob@example.com"))
            #expect(after.status == 503, "\(after)")
            _ = try await h.serve!.waitFor("overwritten in place")
            let readiness = try await h.call("/readyz")
            #expect(readiness.status == 503 && readiness.body.contains("overwritten in place"), "\(readiness.body)")
            h.serve?.signal(SIGKILL)
            _ = try await h.serve?.waitForExit()
            let again = try ChildProcess(
                h.serveArguments, environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password])
            #expect(try await again.waitForExit() != 0)
            #expect(again.output.contains("is damaged"), "\(again.output.suffix(1500))")
            #expect(again.output.contains(".recover | sqlite3"), "\(again.output.suffix(1500))")
        }
    }
}
