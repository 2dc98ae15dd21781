import BridgeCore
import Foundation
import Testing

/// The log, at its most verbose, never shows a secret: not the environment, not the Crisp key, not a sender's
/// credentials, whatever the format.
extension ProcessTests {
    @Suite struct SecretLogTests {
        static let secrets = [
            "PIPEDRIVE_WEBHOOK_PASSWORD": "pipedrive-Zq81secret",
            "BRIDGE_ADMIN_TOKEN": "admin-Kx73secret",
            "CRISP_KEY": "crisp-Wm55secret",
            "ZAPIER_WEBHOOK_SECRET": "zapier-Pj29secret",
        ]

        @Test(arguments: ["text", "json"])
        func theDebugLogHasNoSecret(format: String) async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--key", Self.secrets["CRISP_KEY"]!])
            h.serveEnvironment = Self.secrets
            try await h.startServe(["--log-level", "debug", "--log-format", format])
            let answer = try await h.post(body: RuntimeHarness.signup("log-1", email: "ada@example.com"))
            #expect(answer.status == 202)
            let refused = try await h.post(
                body: RuntimeHarness.signup("log-2", email: "bob@example.com"), password: "a-wrong-password")
            #expect(refused.status == 401)
            let store = try h.store()
            let done = try await h.eventually(timeout: .seconds(10)) {
                try await store.events(status: .done, since: nil, limit: 10).count == 1
            }
            #expect(done)
            #expect(try await h.text("/admin/events", bearer: Self.secrets["BRIDGE_ADMIN_TOKEN"]).contains("log-1"))
            h.serve?.signal(SIGTERM)
            _ = try await h.serve?.waitForExit()

            let log = h.serve?.output ?? ""
            #expect(log.contains("DeliveryWorker"), "the debug lines describing services are there")
            #expect(log.contains("debug"))
            for (name, secret) in Self.secrets {
                #expect(!log.contains(secret), "\(name) is in the \(format) log")
            }
            #expect(!log.contains(RuntimeHarness.password), "the webhook password is in the \(format) log")
            #expect(!log.contains("a-wrong-password"), "a refused credential is in the \(format) log")
        }
    }
}
