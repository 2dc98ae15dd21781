import BridgeCore
import Foundation
import Testing

/// The log, at its most verbose, never shows a secret: not the environment, not the Crisp key, not a sender's
/// credentials (accepted or refused), whatever the format, and in none of the forms a secret travels in: as
/// written, in Base64 (alone or as HTTP Basic's `user:secret`), or percent-encoded in a URL.
extension ProcessTests {
    @Suite struct SecretLogTests {
        /// Every secret of the run, each used by a pipeline or by `serve` itself. The query key has characters a
        /// URL must encode, so its encoded form differs from the raw one.
        static let secrets = [
            "PIPEDRIVE_WEBHOOK_PASSWORD": "pipedrive-Zq81secret",
            "BRIDGE_ADMIN_TOKEN": "admin-Kx73secret",
            "CRISP_KEY": "crisp-Wm55secret",
            "ZAPIER_WEBHOOK_SECRET": "zapier-Pj29secret",
            "KEYED_WEBHOOK_KEY": "keyed+Rv4/secret=&x",
        ]
        /// Credentials sent and refused: each must be missing from the log as well.
        static let refused = ["a-wrong-password", "wrong+Key/9=", "zapier-wrong-Qc6"]

        /// The forms `secret` can take on the wire: raw, Base64, Basic with a user name, percent-encoded.
        static func forms(of secret: String, users: [String]) -> [String] {
            var forms = [secret, Data(secret.utf8).base64EncodedString()]
            forms += users.map { Data("\($0):\(secret)".utf8).base64EncodedString() }
            forms.append(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret)
            forms.append(secret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? secret)
            return Array(Set(forms))
        }

        static let keyedPipeline = """
            name: keyed
            trigger:
              webhook:
                path: /hooks/keyed
                verify: { query_key: { value: "${{ env.KEYED_WEBHOOK_KEY }}" } }
              id: body.id
            actions:
              - crisp.profile: { email: "${{ email(body.email) }}" }
            """

        @Test(arguments: ["text", "json"])
        func theDebugLogHasNoSecret(format: String) async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            for name in ["pipedrive-person-added", "zapier-webhook"] {
                try h.addPipeline(
                    name, try String(contentsOfFile: ImportProcessTests.pipelines + "/\(name).yaml", encoding: .utf8))
            }
            try h.addPipeline("keyed", Self.keyedPipeline)
            try await h.startSandbox(["--key", Self.secrets["CRISP_KEY"]!])
            h.serveEnvironment = Self.secrets.merging([
                "PIPEDRIVE_WEBHOOK_USER": "crisp-bridge", "PIPEDRIVE_COUNTRY_FIELD": "country",
            ]) { $1 }
            try await h.startServe(["--log-level", "debug", "--log-format", format])

            // The signup pipeline (Basic), accepted and refused.
            #expect(try await h.post(body: RuntimeHarness.signup("log-1", email: "ada@example.com")).status == 202)
            let wrongPassword = try await h.post(
                body: RuntimeHarness.signup("log-2", email: "bob@example.com"), password: Self.refused[0])
            #expect(wrongPassword.status == 401)
            // Pipedrive (Basic with its own user), accepted and refused.
            let person = try Data(
                contentsOf: URL(
                    fileURLWithPath: ImportProcessTests.pipelines + "/recordings/pipedrive/person-added.json"))
            for (password, status) in [(Self.secrets["PIPEDRIVE_WEBHOOK_PASSWORD"]!, 202), (Self.refused[0], 401)] {
                let basic = "Basic " + Data("crisp-bridge:\(password)".utf8).base64EncodedString()
                let answer = try await h.send(
                    "/hooks/pipedrive", body: person,
                    headers: ["content-type": "application/json", "authorization": basic])
                #expect(answer.status == status, "\(answer.body)")
            }
            // Zapier (a secret header), accepted and refused.
            let contact = try Data(
                contentsOf: URL(
                    fileURLWithPath: ImportProcessTests.pipelines + "/recordings/zapier/contact-created.json"))
            for (key, status) in [(Self.secrets["ZAPIER_WEBHOOK_SECRET"]!, 202), (Self.refused[2], 401)] {
                let answer = try await h.send(
                    "/hooks/zapier", body: contact, headers: ["content-type": "application/json", "x-bridge-key": key])
                #expect(answer.status == status, "\(answer.body)")
            }
            // A key in the URL, percent-encoded as a sender sends it, accepted and refused.
            for (key, status) in [(Self.secrets["KEYED_WEBHOOK_KEY"]!, 202), (Self.refused[1], 401)] {
                let encoded = try #require(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let answer = try await h.send(
                    "/hooks/keyed?key=\(encoded)", body: Data(#"{"id":"k-1","email":"kim@example.com"}"#.utf8),
                    headers: ["content-type": "application/json"])
                #expect(answer.status == status, "\(answer.body)")
            }

            let store = try h.store()
            let done = try await h.eventually(timeout: .seconds(20)) {
                try await store.events(status: .done, since: nil, limit: 10).count == 4
            }
            let counts = try await store.counts(now: Date()).byStatus
            #expect(done, "\(counts)")
            #expect(try await h.text("/admin/events", bearer: Self.secrets["BRIDGE_ADMIN_TOKEN"]).contains("log-1"))
            h.serve?.signal(SIGTERM)
            _ = try await h.serve?.waitForExit()

            let log = h.serve?.output ?? ""
            #expect(log.contains("DeliveryWorker"), "the debug lines describing services are there")
            #expect(log.contains("debug"))
            var secrets = Self.secrets
            secrets["TEST_WEBHOOK_PASSWORD"] = RuntimeHarness.password
            for (index, credential) in Self.refused.enumerated() { secrets["refused credential \(index)"] = credential }
            let users = ["test", "crisp-bridge", "sandbox-identifier"]
            for (name, secret) in secrets {
                for form in Self.forms(of: secret, users: users) where log.contains(form) {
                    Issue.record("\(name) is in the \(format) log as \(form)")
                }
            }
        }
    }
}
