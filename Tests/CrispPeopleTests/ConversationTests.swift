import BridgeCore
import CrispPeople
import CrispSandbox
import Foundation
import Testing

/// Conversation meta and notes: the client against the sandbox over real loopback HTTP.
@Suite struct ConversationTests {
    @Test func anUpdateMergesDataKeepingKeysSetBySomeoneElseAndAddsSegments() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let client = f.client
        let session = try await client.createConversation()
        #expect(session.hasPrefix("session_"))
        // Someone else (an operator, another integration) set data and a segment first.
        try await client.updateConversationMeta(session, ["data": ["order_id": "A-1001"], "segments": ["vip"]])

        let wrote = try await client.updateConversation(
            ConversationUpdate(
                sessionID: session, data: ["plan": "pro", "lifecycle_stage": "customer"], segments: ["hubspot", "vip"],
                nickname: "Lena Fischer", email: "lena.fischer@example.com"))
        #expect(wrote)
        let meta = try await client.conversationMeta(session)
        // The sandbox replaces `data` on PATCH: the order id survives only because the client merged first.
        #expect(meta["data"] == ["order_id": "A-1001", "plan": "pro", "lifecycle_stage": "customer"])
        #expect(meta["segments"] == ["vip", "hubspot"])
        #expect(meta["nickname"] == "Lena Fischer")
        #expect(meta["email"] == "lena.fischer@example.com")

        // The same update again writes nothing: one read, no PATCH (so a hook it would cause never comes).
        _ = try await f.raw(.DELETE, "_sandbox/requests")
        let again = try await client.updateConversation(
            ConversationUpdate(sessionID: session, data: ["plan": "pro"], segments: ["hubspot"]))
        #expect(!again)
        let requests = try await f.raw(.GET, "_sandbox/requests").json?["requests"].arrayValue ?? []
        #expect(requests.map { $0["method"].stringValue ?? "" } == ["GET"])
    }

    @Test func anUnknownSessionIsSessionNotFoundAndNotRetried() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        do {
            try await f.client.updateConversation(ConversationUpdate(sessionID: "session_nope", data: ["a": 1]))
            Issue.record("an unknown session was written")
        } catch {
            #expect(error.status == 404)
            #expect(error.reason == "session_not_found")
            #expect(!error.isRetryable)
        }
        do {
            try await f.client.postNote(ConversationNote(sessionID: "session_nope", text: "hello"))
            Issue.record("a note went to an unknown session")
        } catch {
            #expect(error.reason == "session_not_found")
        }
    }

    @Test func aNoteIsPostedAsAPrivateOperatorNoteAndFoundAfterwards() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let client = f.client
        let session = try await client.createConversation()
        let before = Date()
        let note = ConversationNote(sessionID: session, text: "HubSpot: Lena Fischer, customer, plan pro")
        #expect(try await !client.hasNote(note, since: before))
        try await client.postNote(note)
        let messages = try await client.messages(session)
        #expect(messages.count == 1)
        #expect(messages.first?["type"] == "note")
        #expect(messages.first?["from"] == "operator")
        #expect(messages.first?["content"] == .string(note.text))
        #expect(messages.first?["user"]["nickname"] == .string(CrispClient.noteAuthor))
        #expect(try await client.hasNote(note, since: before))
        // Another text, or a note older than `since`, is not this one.
        #expect(try await !client.hasNote(ConversationNote(sessionID: session, text: "other"), since: before))
        #expect(try await !client.hasNote(note, since: Date().addingTimeInterval(5)))
    }

    @Test func aNoteWhoseAnswerIsLostIsNotPostedTwice() async throws {
        // Every write is stored and then answered 500/503: the client looks before posting again.
        let f = try await SandboxFixture.start(
            SandboxConfiguration(failAfterWriteRate: 1),
            retry: .init(
                maxAttempts: 3, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20),
                maxWaitInCall: .seconds(1)))
        defer { Task { await f.close() } }
        // The conversation is stored although its creation is answered with an error too.
        _ = try await f.raw(.POST, "v1/website/\(f.sandbox.configuration.websiteID)/conversation")
        let listed = try await f.raw(.GET, "_sandbox/conversations").json?["conversations"].arrayValue ?? []
        let session = try #require(listed.first?["session_id"].stringValue)
        try await f.client.postNote(ConversationNote(sessionID: session, text: "once"))
        #expect(try await f.client.messages(session).count == 1)
    }

    @Test func hasNoteGoesBackPastABusyConversation() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let session = try await f.client.createConversation()
        let since = Date().addingTimeInterval(-1)
        let note = ConversationNote(sessionID: session, text: "the CRM summary")
        try await f.client.postNote(note)
        // 30 visitor messages after the note: the newest batch of 20 does not hold it.
        for n in 1...30 {
            _ = try await f.raw(
                .POST, "v1/website/\(f.sandbox.configuration.websiteID)/conversation/\(session)/message",
                body: #"{"type":"text","from":"user","origin":"chat","content":"message \#(n)"}"#)
        }
        #expect(try await f.client.messages(session).count == 20)
        #expect(try await f.client.hasNote(note, since: since))
    }

    @Test func theSandboxRefusesWhatCrispRefuses() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let session = try await f.client.createConversation()
        let base = "v1/website/\(f.sandbox.configuration.websiteID)/conversation/\(session)"
        #expect(try await f.raw(.PATCH, base + "/meta", body: #"{"data":{"a":{"b":1}}}"#).status == 400)
        #expect(try await f.raw(.PATCH, base + "/meta", body: #"{"email":"not an email"}"#).status == 400)
        #expect(try await f.raw(.PATCH, base + "/meta", body: #"{"connection":{}}"#).status == 400)
        #expect(
            try await f.raw(
                .POST, base + "/message", body: #"{"type":"note","from":"bot","origin":"chat","content":"x"}"#
            ).status == 400)
        #expect(
            try await f.raw(
                .POST, base + "/message", body: #"{"type":"note","from":"operator","origin":"chat","content":""}"#
            ).status == 400)
        #expect(try await f.raw(.DELETE, base + "/meta").status == 405)
        #expect(try await f.raw(.GET, base + "/meta", auth: "x:y").status == 401)
    }
}
