import AsyncHTTPClient
import BridgeCore
import CrispPeople
import Crypto
import Foundation
import Synchronization
import Testing
import _CryptoExtras

/// Crisp as a sender, end to end through `serve` and the sandbox: the ready pipelines `crisp-conversation-enrich`
/// (with a stand-in of HubSpot's search) and `crisp-contact-to-sheet` (with a stand-in of the Sheets API).
@Suite(.serialized) struct ConversationServeTests {
    static let secret = "demo-crisp-plugin-signing-secret-0000"
    static let pipelines =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/pipelines"

    /// The example pipeline, calling the stand-in instead of api.hubapi.com.
    static func enrichPipeline(hubspot: String) throws -> String {
        try String(contentsOfFile: pipelines + "/crisp-conversation-enrich.yaml", encoding: .utf8)
            .replacingOccurrences(of: "https://api.hubapi.com", with: hubspot)
    }

    /// A stand-in of HubSpot's CRM search that finds Lena, and counts the searches.
    static func hubspot() async throws -> StandInAPI {
        let found = try String(
            contentsOfFile: pipelines + "/recordings/crisp/hubspot-search-lena.json", encoding: .utf8)
        return try await StandInAPI.start(answering: { request in
            guard request.method == "POST", request.path == "/crm/v3/objects/contacts/search",
                request.authorization == "Bearer test-hubspot-token"
            else { return StandInAPI.Answer(status: 404, body: #"{"status":"error"}"#) }
            return StandInAPI.Answer(
                body: request.body.contains("lena.fischer@example.com") ? found : #"{"total":0,"results":[]}"#)
        })
    }

    /// Crisp's `session:set_email` hook for `session`, signed as a plugin hook at `timestamp`.
    static func setEmail(
        _ session: String, timestamp: String = "1749721268431", website: String = RuntimeHarness.website
    ) -> (
        body: Data, headers: [String: String]
    ) {
        let body = Data(
            #"{"website_id":"\#(website)","event":"session:set_email","data":{"website_id":"\#(website)","session_id":"\#(session)","inbox_id":null,"email":"lena.fischer@example.com"},"timestamp":1749721268431}"#
                .utf8)
        var signed = Data("[\(timestamp);".utf8)
        signed.append(body)
        signed.append(Data("]".utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        let signature = mac.map { String(format: "%02x", $0) }.joined()
        return (
            body,
            [
                "content-type": "application/json", "x-crisp-request-timestamp": timestamp,
                "x-crisp-signature": signature, "x-crisp-hook-origin": "plugin/rtm urn:crisp.im:bridge:0 production",
            ]
        )
    }

    /// The sandbox's conversation `session` (of the configured website, or of `website`): its meta and messages.
    static func conversation(_ h: RuntimeHarness, _ session: String, website: String? = nil) async throws -> JSONValue {
        let base = h.sandboxURL.replacingOccurrences(of: "/v1/", with: "")
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: base + "/_sandbox/conversations" + (website.map { "?website=" + $0 } ?? "")),
            timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let all = try JSONValue.parse(Data(bytes.readableBytesView))["conversations"].arrayValue ?? []
        return all.first { $0["session_id"].stringValue == session } ?? .null
    }

    /// A service account's JSON key file in the harness's folder, its tokens had at `tokenURI` (a stand-in).
    static func serviceAccountKey(_ key: _RSA.Signing.PrivateKey, in h: RuntimeHarness, tokenURI: String) throws
        -> String
    {
        let path = h.folder + "/sheets-key.json"
        let json: JSONValue = [
            "type": "service_account", "private_key": .string(key.pkcs8PEMRepresentation),
            "client_email": "writer@project.iam.gserviceaccount.com", "token_uri": .string(tokenURI),
        ]
        try json.jsonText.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func notes(_ conversation: JSONValue) -> [JSONValue] {
        (conversation["messages"].arrayValue ?? []).filter { $0["type"] == "note" }
    }

    func start(_ h: RuntimeHarness, hubspot: StandInAPI, sandboxFlags: [String] = []) async throws -> String {
        try h.addPipeline("crisp-conversation-enrich", try Self.enrichPipeline(hubspot: hubspot.baseURL))
        h.serveEnvironment = [
            "CRISP_HOOK_SECRET": Self.secret, "HUBSPOT_TOKEN": "test-hubspot-token", "HUBSPOT_PORTAL_ID": "4242",
        ]
        try await h.startSandbox(sandboxFlags)
        try await h.startServe(["--lease", "120"])
        // A conversation where someone else already set a key.
        let crisp = h.crisp()
        defer { Task { try? await crisp.shutdown() } }
        let session = try await crisp.createConversation()
        try await crisp.updateConversationMeta(session, ["data": ["order_id": "A-1001"]])
        return session
    }

    @Test func aSignedSetEmailHookMergesConversationDataAndPostsOneNoteAlsoWhenSentTwice() async throws {
        let h = try RuntimeHarness()
        defer { h.close() }
        let hubspot = try await Self.hubspot()
        defer { Task { await hubspot.stop() } }
        let session = try await start(h, hubspot: hubspot)

        let first = Self.setEmail(session)
        // Stored: answered 200 (Crisp's examples answer hooks 200), not the bridge's usual 202.
        let stored = try await h.send("/hooks/crisp", body: first.body, headers: first.headers)
        #expect(stored.status == 200)
        #expect(stored.body.contains(#""accepted":1"#))
        // Crisp sends it again (a retry, signed anew): stored once.
        let again = Self.setEmail(session, timestamp: "1749721299000")
        let second = try await h.send("/hooks/crisp", body: again.body, headers: again.headers)
        #expect(second.status == 200)
        #expect(second.body.contains(#""duplicates":1"#))
        // A forged one is refused.
        var forged = first.headers
        forged["x-crisp-signature"] = String(repeating: "0", count: 64)
        #expect(try await h.send("/hooks/crisp", body: first.body, headers: forged).status == 401)

        let noted = try await h.eventually(timeout: .seconds(30)) {
            Self.notes(try await Self.conversation(h, session)).count == 1
        }
        #expect(noted)
        let store = try h.store()
        _ = try await h.eventually(timeout: .seconds(30)) {
            try await store.counts(now: Date()).byStatus[.done] == 1
        }
        let conversation = try await Self.conversation(h, session)
        #expect(
            conversation["meta"]["data"] == [
                "order_id": "A-1001", "hubspot_id": "94528173455", "lifecycle_stage": "customer", "plan": "pro",
                "hubspot_url": "https://app.hubspot.com/contacts/4242/record/0-1/94528173455",
            ])
        let notes = Self.notes(conversation)
        #expect(notes.count == 1)
        #expect(notes.first?["content"].stringValue?.hasPrefix("HubSpot: Lena Fischer (Fischer Keramik)") == true)
        #expect(notes.first?["from"] == "operator")
        #expect(hubspot.requests.count == 1)
    }

    /// One plugin token serves every website that installed the plugin: hooks from two websites are each written
    /// back to their own website's conversation (`website_id: ${{ body.website_id }}`), through one token.
    @Test func hooksFromTwoWebsitesOfOnePluginTokenAreWrittenToTheirOwnWebsite() async throws {
        let h = try RuntimeHarness()
        defer { h.close() }
        let hubspot = try await Self.hubspot()
        defer { Task { await hubspot.stop() } }
        let other = "1d5e9a77-0c3b-4f2a-9e61-2b7c8d9e0f14"
        let session = try await start(h, hubspot: hubspot, sandboxFlags: ["--other-website", other])
        let crisp = h.crisp().on(website: other)
        defer { Task { try? await crisp.shutdown() } }
        let otherSession = try await crisp.createConversation()

        for (id, website) in [(session, RuntimeHarness.website), (otherSession, other)] {
            let hook = Self.setEmail(id, website: website)
            #expect(try await h.send("/hooks/crisp", body: hook.body, headers: hook.headers).status == 200)
        }
        let noted = try await h.eventually(timeout: .seconds(30)) {
            let mine = Self.notes(try await Self.conversation(h, session)).count
            let theirs = Self.notes(try await Self.conversation(h, otherSession, website: other)).count
            return mine == 1 && theirs == 1
        }
        #expect(noted)
        #expect(try await h.idle())
        let mine = try await Self.conversation(h, session)
        let theirs = try await Self.conversation(h, otherSession, website: other)
        #expect(mine["meta"]["data"]["order_id"] == "A-1001", "the configured website's own key is kept")
        #expect(mine["meta"]["data"]["hubspot_id"] == "94528173455")
        #expect(theirs["meta"]["data"]["hubspot_id"] == "94528173455")
        #expect(theirs["meta"]["data"]["order_id"] == .null)
        // Each website holds only its own conversation, and nothing went to the wrong one.
        #expect(try await Self.conversation(h, otherSession) == .null)
        #expect(try await Self.conversation(h, session, website: other) == .null)
        let requests =
            try await RuntimeHarness.sandboxInspection("requests", at: h.sandboxURL)["requests"]
            .arrayValue ?? []
        let paths = requests.compactMap { $0["path"].stringValue }
        #expect(paths.contains { $0.contains("/website/\(other)/conversation/\(otherSession)/message") })
        #expect(!paths.contains { $0.contains("/website/\(RuntimeHarness.website)/conversation/\(otherSession)") })
    }

    @Test func serveKilledBetweenTheDataWriteAndTheNotePostsTheNoteOnce() async throws {
        let h = try RuntimeHarness()
        defer { h.close() }
        let hubspot = try await Self.hubspot()
        defer { Task { await hubspot.stop() } }
        // Every Crisp answer takes 1.5 s after the write: the note goes out well after the data is written, and
        // the kill lands in between even on a loaded machine (700 ms was missed once in three full runs).
        let session = try await start(h, hubspot: hubspot, sandboxFlags: ["--latency", "1500"])
        let hook = Self.setEmail(session)
        #expect(try await h.send("/hooks/crisp", body: hook.body, headers: hook.headers).status == 200)
        let written = try await h.eventually(timeout: .seconds(30)) {
            try await Self.conversation(h, session)["meta"]["data"]["hubspot_id"] == "94528173455"
        }
        #expect(written)
        h.serve?.signal(SIGKILL)
        _ = try await h.serve?.waitForExit()
        // The kill must land between the data write and the note, or the test proves nothing.
        #expect(Self.notes(try await Self.conversation(h, session)).isEmpty, "the note was written before the kill")
        try await h.restartServe()
        let store = try h.store()
        let done = try await h.eventually(timeout: .seconds(60)) {
            try await store.counts(now: Date()).byStatus[.done] == 1
        }
        #expect(done)
        #expect(try await h.idle(), "still delivering, or a request of the killed serve still being answered")
        #expect(Self.notes(try await Self.conversation(h, session)).count == 1)
    }

    /// `crisp-conversation-to-sheet` through `serve`, against a stand-in of the Sheets API (and the sandbox for the
    /// conversation's meta): a conversation that has a row gets that row rewritten in place (one values.update,
    /// no append); one without a row gets one appended (no update).
    @Test func aConversationsRowIsUpdatedInPlaceAndAnAbsentOneAppended() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let known = Mutex<String?>(nil)
        let updates = Mutex<[(path: String, body: String)]>([])
        let appends = Mutex<[String]>([])
        let sheets = try await StandInAPI.start(answering: { request in
            if request.path == "/token" {
                return StandInAPI.Answer(body: #"{"access_token":"ya29.rows","expires_in":3599}"#)
            }
            guard request.authorization == "Bearer ya29.rows" else { return StandInAPI.Answer(status: 401) }
            switch request.method {
            case "GET" where request.path.hasSuffix("/values/Conversations!A:A"):
                // Column A: a header, another conversation, then the known one in row 3.
                let session = known.withLock { $0 } ?? ""
                return StandInAPI.Answer(
                    body:
                        #"{"range":"Conversations!A1:A1000","majorDimension":"ROWS","values":[["Session"],["session_other"],["\#(session)"]]}"#
                )
            case "PUT" where request.query.contains("valueInputOption=RAW"):
                updates.withLock { $0.append((request.path, request.body)) }
                return StandInAPI.Answer(body: #"{"updatedRows":1}"#)
            case "POST" where request.path.hasSuffix("/values/Conversations!A:F:append"):
                appends.withLock { $0.append(request.body) }
                return StandInAPI.Answer(body: #"{"updates":{"updatedRows":1}}"#)
            default:
                return StandInAPI.Answer(status: 404, body: "{}")
            }
        })
        defer { Task { await sheets.stop() } }
        let h = try RuntimeHarness()
        defer { h.close() }
        let keyFile = try Self.serviceAccountKey(key, in: h, tokenURI: sheets.baseURL + "/token")
        try await h.startSandbox()
        let crispBase = h.sandboxURL.replacingOccurrences(of: "/v1/", with: "")
        try h.addPipeline(
            "crisp-conversation-to-sheet",
            try String(contentsOfFile: Self.pipelines + "/crisp-conversation-to-sheet.yaml", encoding: .utf8)
                .replacingOccurrences(of: "https://sheets.googleapis.com", with: sheets.baseURL)
                .replacingOccurrences(of: "https://api.crisp.chat", with: crispBase))
        h.serveEnvironment = [
            "CRISP_WEBSITE_HOOK_KEY": "test-key", "CONVERSATIONS_SHEET_ID": "sheet1",
            "GOOGLE_SERVICE_ACCOUNT_FILE": keyFile,
        ]
        try await h.startServe()
        let crisp = h.crisp()
        defer { Task { try? await crisp.shutdown() } }
        let listed = try await crisp.createConversation()
        let fresh = try await crisp.createConversation()
        try await crisp.updateConversationMeta(listed, ["email": "lena.fischer@example.com", "data": ["plan": "pro"]])
        known.withLock { $0 = listed }

        func hook(_ session: String, at timestamp: Int) -> Data {
            Data(
                #"{"website_id":"\#(RuntimeHarness.website)","event":"session:set_data","data":{"website_id":"\#(RuntimeHarness.website)","session_id":"\#(session)","data":{"plan":"pro"}},"timestamp":\#(timestamp)}"#
                    .utf8)
        }
        let headers = ["content-type": "application/json"]
        #expect(
            try await h.send("/hooks/crisp-conversations?key=test-key", body: hook(listed, at: 1), headers: headers)
                .status == 202)
        let store = try h.store()
        #expect(
            try await h.eventually(timeout: .seconds(60)) { try await store.counts(now: Date()).byStatus[.done] == 1 })
        #expect(try await h.idle())
        let updated = updates.withLock { $0 }
        #expect(updated.count == 1, "one row rewritten in place")
        #expect(updated.first?.path.hasSuffix("/values/Conversations!A3:F3") == true, "\(updated)")
        #expect(
            updated.first?.body.contains(listed) == true
                && updated.first?.body.contains("lena.fischer@example.com") == true)
        #expect(appends.withLock { $0 }.isEmpty, "nothing appended for a conversation that has a row")

        #expect(
            try await h.send("/hooks/crisp-conversations?key=test-key", body: hook(fresh, at: 2), headers: headers)
                .status == 202)
        #expect(
            try await h.eventually(timeout: .seconds(60)) { try await store.counts(now: Date()).byStatus[.done] == 2 })
        #expect(try await h.idle())
        #expect(updates.withLock { $0.count } == 1, "no update for a conversation without a row")
        let appended = appends.withLock { $0 }
        #expect(appended.count == 1)
        #expect(appended.first?.contains(fresh) == true)
    }

    @Test func aNewCrispContactAppendsOneSheetRowAcrossA503() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let rows = Mutex<[String]>([])
        let calls = Mutex(0)
        let sheets = try await StandInAPI.start(answering: { request in
            if request.path == "/token" {
                return StandInAPI.Answer(
                    body: #"{"access_token":"ya29.sheets","expires_in":3599,"token_type":"Bearer"}"#)
            }
            guard request.authorization == "Bearer ya29.sheets" else {
                return StandInAPI.Answer(status: 401, body: #"{"error":{"code":401}}"#)
            }
            guard request.method == "POST", request.path.hasSuffix("/values/Contacts!A:E:append"),
                request.query.contains("valueInputOption=RAW")
            else { return StandInAPI.Answer(status: 404, body: "{}") }
            // The first append is answered 503 without appending (Google's backend error).
            let n = calls.withLock {
                $0 += 1
                return $0
            }
            if n == 1 { return StandInAPI.Answer(status: 503, body: #"{"error":{"code":503,"status":"UNAVAILABLE"}}"#) }
            rows.withLock { $0.append(request.body) }
            return StandInAPI.Answer(body: #"{"updates":{"updatedRows":1}}"#)
        })
        defer { Task { await sheets.stop() } }
        let h = try RuntimeHarness()
        defer { h.close() }
        let keyFile = try Self.serviceAccountKey(key, in: h, tokenURI: sheets.baseURL + "/token")
        try h.addPipeline(
            "crisp-contact-to-sheet",
            try String(contentsOfFile: Self.pipelines + "/crisp-contact-to-sheet.yaml", encoding: .utf8)
                .replacingOccurrences(of: "https://sheets.googleapis.com", with: sheets.baseURL))
        h.serveEnvironment = [
            "CRISP_WEBSITE_HOOK_KEY": "test-key", "CONTACTS_SHEET_ID": "sheet1", "GOOGLE_SERVICE_ACCOUNT_FILE": keyFile,
        ]
        try await h.startSandbox()
        try await h.startServe()
        let body = try Data(
            contentsOf: URL(fileURLWithPath: Self.pipelines + "/recordings/crisp/people-profile-created.json"))
        let headers = ["content-type": "application/json"]
        #expect(try await h.send("/hooks/crisp-contacts?key=test-key", body: body, headers: headers).status == 202)
        #expect(try await h.send("/hooks/crisp-contacts?key=test-key", body: body, headers: headers).status == 200)
        #expect(try await h.send("/hooks/crisp-contacts?key=wrong", body: body, headers: headers).status == 401)
        let store = try h.store()
        let done = try await h.eventually(timeout: .seconds(60)) {
            try await store.counts(now: Date()).byStatus[.done] == 1
        }
        let counts = try await store.counts(now: Date()).byStatus
        #expect(done, "\(counts)")
        #expect(try await h.idle())
        let appended = rows.withLock { $0 }
        #expect(appended.count == 1)
        #expect(appended.first?.contains("lena.fischer@example.com") == true)
        #expect(calls.withLock { $0 } == 2)
        // No secret shows in what was stored: the hook's key (accepted or refused), the service account's private
        // key, the access token. The store's files are scanned whole (the database and its write-ahead log).
        let stored = try await store.events(status: .done, since: nil, limit: 10)
        #expect(stored.count == 1)
        let event = try #require(stored.first)
        let request = try #require(try await store.request(event.requestID))
        #expect(request.webhook.query == "key=redacted", "\(request.webhook.query)")
        var files = Data()
        for suffix in ["", "-wal"] {
            files += (try? Data(contentsOf: URL(fileURLWithPath: h.storePath + suffix))) ?? Data()
        }
        #expect(files.count > 0)
        let pemLine = try #require(key.pkcs8PEMRepresentation.split(separator: "\n").dropFirst().first)
        for secret in ["test-key", "key=wrong", "ya29.sheets", String(pemLine)] {
            #expect(files.range(of: Data(secret.utf8)) == nil, "\(secret) is in the store's files")
        }
    }

    /// An `http` call in flight when `serve` is killed: without an idempotency key it is not sent again (the event
    /// ends dead with its replay command); with one it is sent again carrying the same key.
    @Test(arguments: [false, true])
    func aCallInDoubtAfterAKillIsSentAgainOnlyWithAnIdempotencyKey(withKey: Bool) async throws {
        let received = Mutex<[String]>([])
        let api = try await StandInAPI.start(answering: { request in
            received.withLock { $0.append(request.body) }
            // The first call is answered too late: serve is killed while it waits.
            return StandInAPI.Answer(body: "{}", delay: received.withLock { $0.count } == 1 ? .seconds(5) : .zero)
        })
        defer { Task { await api.stop() } }
        let h = try RuntimeHarness()
        defer { h.close() }
        try h.addPipeline(
            "call",
            """
            name: call
            trigger:
              webhook: { path: /hooks/call, verify: none }
            actions:
              - http:
                  url: \(api.baseURL)/rows
                  body: { n: "${{ body.n }}" }
            """ + (withKey ? "\n      idempotency_key: Idempotency-Key\n" : "\n"))
        try await h.startSandbox()
        try await h.startServe(["--lease", "120"])
        #expect(
            try await h.send("/hooks/call", body: Data(#"{"n":1}"#.utf8), headers: ["content-type": "application/json"])
                .status == 202)
        let sent = try await h.eventually(timeout: .seconds(20)) { received.withLock { $0.count } == 1 }
        #expect(sent)
        h.serve?.signal(SIGKILL)
        _ = try await h.serve?.waitForExit()
        try await h.restartServe()
        let store = try h.store()
        let settled = try await h.eventually(timeout: .seconds(30)) {
            let counts = try await store.counts(now: Date()).byStatus
            return counts[.done, default: 0] + counts[.dead, default: 0] == 1
        }
        #expect(settled)
        let counts = try await store.counts(now: Date()).byStatus
        if withKey {
            #expect(counts[.done] == 1, "\(counts)")
            #expect(received.withLock { $0.count } == 2)
            let keys = api.requests.map(\.idempotencyKey)
            #expect(keys.count == 2 && keys[0] != nil && keys[0] == keys[1], "\(keys)")
        } else {
            #expect(counts[.dead] == 1, "\(counts)")
            #expect(received.withLock { $0.count } == 1, "sent once, never twice")
            let dead = try await store.events(status: .dead, since: nil, limit: 1)
            #expect(
                dead.first?.lastError?.contains("it is not sent again (once you have checked the other side") == true)
        }
    }

    /// Without an idempotency key: a refused connection (never sent) is retried, a 502 (maybe done) is not sent
    /// again.
    @Test func aCallNeverSentIsRetriedAndOneMaybeDoneIsNot() async throws {
        let api = try await StandInAPI.start(answering: { _ in StandInAPI.Answer(status: 502, body: "bad gateway") })
        defer { Task { await api.stop() } }
        let h = try RuntimeHarness()
        defer { h.close() }
        for (name, base) in [("refused", "http://127.0.0.1:1"), ("gateway", api.baseURL)] {
            try h.addPipeline(
                name,
                """
                name: \(name)
                trigger:
                  webhook: { path: /hooks/\(name), verify: none }
                actions:
                  - http: { url: "\(base)/rows", body: { n: 1 } }
                """)
        }
        try await h.startSandbox()
        try await h.startServe()
        for name in ["refused", "gateway"] {
            #expect(
                try await h.send("/hooks/\(name)", body: Data("{}".utf8), headers: ["content-type": "application/json"])
                    .status == 202)
        }
        let store = try h.store()
        let settled = try await h.eventually(timeout: .seconds(20)) {
            try await store.counts(now: Date()).byStatus[.dead] == 1
        }
        #expect(settled)
        // Dead is final: its attempt has ended, so a second call would already have been made.
        let dead = try await store.events(status: .dead, since: nil, limit: 5)
        #expect(dead.map(\.pipeline) == ["gateway"])
        #expect(dead.first?.lastError?.contains("answered 502") == true)
        #expect(dead.first?.lastError?.contains("may have been carried out") == true)
        #expect(api.requests.count == 1, "a 502 without an idempotency key is not sent again")
        // The refused connection's attempt ends when the client gives up connecting.
        _ = try await h.eventually(timeout: .seconds(30)) {
            let waiting = try await store.events(status: .pending, since: nil, limit: 5)
            guard let id = waiting.first?.id else { return false }
            return try await !store.attempts(eventID: id).isEmpty
        }
        let pending = try await store.events(status: .pending, since: nil, limit: 5)
        #expect(pending.map(\.pipeline) == ["refused"], "a refused connection is retried")
        let attempts = try await store.attempts(eventID: try #require(pending.first?.id))
        #expect(attempts.first?.outcome == "retry", "\(attempts)")
        #expect(attempts.first?.reason.contains("was not sent") == true, "\(attempts)")
    }
}
