import Foundation
import Testing

@testable import BridgeCore

/// `crisp` (plugin hooks) against the vectors of shared/payloads/README.md, read from the signed recordings in
/// pipelines/recordings/crisp/ (their bodies are the payload files byte for byte, trailing newline included):
/// hex HMAC-SHA256 of `"[" + X-Crisp-Request-Timestamp + ";" + body + "]"`. And website hooks with `query_key`.
@Suite struct CrispVerifierTests {
    static let recordings = Paths.repository + "/pipelines/recordings/crisp/"
    static let secret = "demo-crisp-plugin-signing-secret-0000"
    static let setEmailSignature = "d0ccdf5cc7fbf0bff9c532e0b93549397d50d12d5ebcca494fd5b21449df8cf1"
    static let messageSignature = "24a3b21f05ee68a60960c8cbf5683cae76f945837df5b6c42622ad134c0ff5c7"

    let verifier = CrispVerifier()
    let settings: [String: JSONValue] = ["secret": .string(Self.secret)]
    let context = VerificationContext(now: Date(timeIntervalSince1970: 1_749_721_270))

    func recording(_ name: String) throws -> WebhookRequest {
        let (request, diagnostics) = RequestRecording.load(file: Self.recordings + name + ".yaml")
        return try #require(request, "\(diagnostics)")
    }

    func refusal(_ request: WebhookRequest, _ settings: [String: JSONValue]? = nil) -> String {
        do throws(BridgeCoreError) {
            try verifier.verify(request, settings: settings ?? self.settings, context: context)
            return "accepted"
        } catch {
            #expect(error.kind == .verification)
            return error.message
        }
    }

    static let pipeline = """
        name: crisp-hooks
        trigger:
          webhook:
            path: /hooks/crisp
            verify: { crisp: { secret: "${{ env.CRISP_HOOK_SECRET }}" } }
        actions:
          - crisp.event: { email: "${{ email(event.data.email) }}", text: Email given in a conversation }
        """

    func accept(_ request: WebhookRequest, pipeline yaml: String = Self.pipeline, secret: String = Self.secret)
        throws -> Result<AcceptedRequest, BridgeCoreError>
    {
        let (loaded, diagnostics) = loadPipeline(yaml)
        let pipeline = try #require(loaded, "\(diagnostics)")
        return pipeline.accept(
            request,
            context: TransformContext(
                environment: ["CRISP_HOOK_SECRET": secret, "CRISP_WEBSITE_HOOK_KEY": "demo-crisp-website-key-0000"]))
    }

    @Test func theRecordingsAreThePayloadsSignedWithTheDemoSecret() throws {
        let setEmail = try recording("session-set-email")
        let message = try recording("message-send")
        #expect(setEmail.body.last == 0x0A, "the vector covers the file's trailing newline")
        #expect(setEmail.header("x-crisp-signature") == Self.setEmailSignature)
        #expect(setEmail.header("x-crisp-request-timestamp") == "1749721268431")
        #expect(message.header("x-crisp-signature") == Self.messageSignature)
        #expect(message.header("x-crisp-request-timestamp") == "1749721301877")
        try verifier.verify(setEmail, settings: settings, context: context)
        try verifier.verify(message, settings: settings, context: context)
    }

    @Test func theTimestampIsSignedAsTextAndNeverComparedWithTheClock() throws {
        let request = try recording("session-set-email")
        for seconds in [0.0, 1_749_721_268, 4_102_444_800] {
            try verifier.verify(
                request, settings: settings, context: VerificationContext(now: Date(timeIntervalSince1970: seconds)))
        }
        // The same body with the timestamp in seconds, signed by scripts/sign-recording.py: the text is what counts.
        var inSeconds = request
        inSeconds.headers["x-crisp-request-timestamp"] = "1749721268"
        inSeconds.headers["x-crisp-signature"] = "1b707c65bbf563f3d48b69d0b67a0cf05f175c81bfbf3e68449bbda130e108f9"
        try verifier.verify(inSeconds, settings: settings, context: context)
        // Upper-case hex is the same signature.
        var upper = request
        upper.headers["x-crisp-signature"] = Self.setEmailSignature.uppercased()
        try verifier.verify(upper, settings: settings, context: context)
    }

    @Test func forgedChangedOrIncompleteRequestsAreRefused() throws {
        let request = try recording("session-set-email")
        var forged = request
        forged.headers["x-crisp-signature"] = String(Self.setEmailSignature.reversed())
        #expect(refusal(forged) == "crisp: signature does not match (is it this plugin's hook signing secret?)")
        // the other event's signature, valid for another body and timestamp
        var swapped = request
        swapped.headers["x-crisp-signature"] = Self.messageSignature
        #expect(refusal(swapped).contains("does not match"))
        var changedBody = request
        changedBody.body = Data(
            String(decoding: request.body, as: UTF8.self).replacingOccurrences(
                of: "lena.fischer@example.com", with: "mallory@example.com"
            ).utf8)
        #expect(refusal(changedBody).contains("does not match"))
        var withoutNewline = request
        withoutNewline.body.removeLast()
        #expect(refusal(withoutNewline).contains("does not match"))
        var changedTimestamp = request
        changedTimestamp.headers["x-crisp-request-timestamp"] = "1749721268432"
        #expect(refusal(changedTimestamp).contains("does not match"))

        var noSignature = request
        noSignature.headers["x-crisp-signature"] = nil
        #expect(refusal(noSignature) == "crisp: no x-crisp-signature header")
        var noTimestamp = request
        noTimestamp.headers["x-crisp-request-timestamp"] = nil
        #expect(refusal(noTimestamp) == "crisp: no x-crisp-request-timestamp header")
        var emptyTimestamp = request
        emptyTimestamp.headers["x-crisp-request-timestamp"] = ""
        #expect(refusal(emptyTimestamp) == "crisp: no x-crisp-request-timestamp header")
        var notHex = request
        notHex.headers["x-crisp-signature"] = "sha256=" + Self.setEmailSignature
        #expect(refusal(notHex) == "crisp: X-Crisp-Signature is not hex")

        #expect(refusal(request, ["secret": "demo-crisp-plugin-signing-secret-0001"]).contains("does not match"))
        #expect(refusal(request, [:]) == "crisp: setting 'secret' is empty (is its environment variable set?)")
        #expect(!refusal(request, ["secret": "wrong-secret"]).contains(Self.secret))
    }

    @Test func refusalsAreAnswered401ByThePipeline() throws {
        let request = try recording("message-send")
        #expect(try accept(request).get().events.count == 1)
        var cases: [(String, WebhookRequest)] = []
        var forged = request
        forged.headers["x-crisp-signature"] = String(repeating: "0", count: 64)
        cases.append(("forged", forged))
        var noSignature = request
        noSignature.headers["x-crisp-signature"] = nil
        cases.append(("no signature", noSignature))
        var noTimestamp = request
        noTimestamp.headers["x-crisp-request-timestamp"] = nil
        cases.append(("no timestamp", noTimestamp))
        var changedBody = request
        changedBody.body[changedBody.body.count / 2] ^= 0x01
        cases.append(("changed body", changedBody))
        var changedTimestamp = request
        changedTimestamp.headers["x-crisp-request-timestamp"] = "1749721301878"
        cases.append(("changed timestamp", changedTimestamp))
        for (name, refused) in cases {
            switch try accept(refused) {
            case .success: Issue.record("\(name): accepted")
            case .failure(let error):
                #expect(error.httpStatus == 401, "\(name)")
                #expect(error.message.hasPrefix("crisp: "), "\(name): \(error.message)")
            }
        }
        switch try accept(request, secret: "") {
        case .success: Issue.record("accepted with an unset secret")
        case .failure(let error): #expect(error.httpStatus == 401)
        }
    }

    @Test func eitherSecretPassesDuringARotation() throws {
        let request = try recording("session-set-email")
        for secrets: [JSONValue] in [
            [.string(Self.secret), "demo-crisp-plugin-signing-secret-0001"],
            ["demo-crisp-plugin-signing-secret-0001", .string(Self.secret)],
            [.string(Self.secret), .null],
        ] {
            try verifier.verify(request, settings: ["secret": .array(secrets)], context: context)
        }
        #expect(refusal(request, ["secret": ["new-secret", "older-secret"]]).contains("does not match"))
        #expect(refusal(request, ["secret": ["", ""]]).contains("setting 'secret' is empty"))
    }

    @Test func aMessageIsIdentifiedByEventSessionAndFingerprintAnyOtherEventByItsBody() throws {
        let message = try recording("message-send")
        let setEmail = try recording("session-set-email")
        let messageIDs = try accept(message).get().events.map(\.id)
        #expect(
            messageIDs == [
                "message:send:session_5d0c3a8e-2b71-4f69-9e4a-7c1b2d3e4f50:174972130187741"
            ])
        // A retry signs the same body with a new timestamp (signed by scripts/sign-recording.py): the same id.
        var resent = message
        resent.headers["x-crisp-request-timestamp"] = "1749721311877"
        resent.headers["x-crisp-signature"] = "2991105d04521c8c62997bc4e803dbce73ce40f94c219cd252781af43209d43c"
        #expect(try accept(resent).get().events.map(\.id) == messageIDs)

        let setEmailIDs = try accept(setEmail).get().events.map(\.id)
        #expect(setEmailIDs == [Pipeline.bodyID(setEmail.body, index: 0, count: 1)], "no fingerprint: the body's hash")
        #expect(setEmailIDs != messageIDs)
        // Two set_email events of one session differ in their envelope's timestamp, so in their body's hash.
        var later = setEmail
        later.body = Data(
            String(decoding: setEmail.body, as: UTF8.self).replacingOccurrences(
                of: #""timestamp": 1749721268431"#, with: #""timestamp": 1749721399000"#
            ).utf8)
        #expect(later.body != setEmail.body)
        let unsigned = TransformContext(environment: [:], verifySignatures: false)
        let pipeline = try #require(loadPipeline(Self.pipeline).0)
        let laterIDs = try pipeline.accept(later, context: unsigned).get().events.map(\.id)
        #expect(laterIDs == [Pipeline.bodyID(later.body, index: 0, count: 1)])
        #expect(laterIDs != setEmailIDs)

        #expect(CrispVerifier().defaultID?.contains("event.data.fingerprint") == true)
        #expect(SenderRegistry.builtins["crisp"] is CrispVerifier)
    }

    @Test func onlyTheSignatureHeaderIsRedacted() throws {
        let request = try recording("message-send")
        let redacted = HeaderRedaction.redact(
            request, secrets: verifier.secretNames(settings: settings), sender: verifier)
        #expect(redacted.headers["x-crisp-signature"] == HeaderRedaction.placeholder)
        #expect(redacted.headers["x-crisp-request-timestamp"] == "1749721301877")
        #expect(redacted.body == request.body)
    }

    static let websiteHookPipeline = """
        name: crisp-website-hooks
        trigger:
          webhook:
            path: /hooks/crisp
            verify: { query_key: { value: "${{ env.CRISP_WEBSITE_HOOK_KEY }}" } }
        actions:
          - crisp.event: { email: "${{ email(event.data.email) }}", text: Email given in a conversation }
        """

    /// Website hooks are unsigned: the secret is the URL's `?key=`, compared in constant time (digests of both
    /// sides, `SignatureCheck.anySecret`) and redacted before the request is stored, recorded or planned.
    @Test func websiteHooksUseAQueryKeyThatIsRedacted() throws {
        let (loaded, diagnostics) = loadPipeline(Self.websiteHookPipeline)
        let pipeline = try #require(loaded, "\(diagnostics)")
        let body = try recording("session-set-email").body
        let request = WebhookRequest(
            path: "/hooks/crisp", query: "key=demo-crisp-website-key-0000",
            headers: ["content-type": "application/json"], body: body)
        #expect(try accept(request, pipeline: Self.websiteHookPipeline).get().events.count == 1)
        for query in ["key=demo-crisp-website-key-0001", "", "other=demo-crisp-website-key-0000"] {
            var wrong = request
            wrong.query = query
            switch try accept(wrong, pipeline: Self.websiteHookPipeline) {
            case .success: Issue.record("accepted with ?\(query)")
            case .failure(let error): #expect(error.httpStatus == 401, "\(query)")
            }
        }

        let secrets = pipeline.secretNames(environment: ["CRISP_WEBSITE_HOOK_KEY": "demo-crisp-website-key-0000"])
        #expect(secrets.queryParameters == ["key"])
        let stored = HeaderRedaction.redact(request, secrets: secrets, sender: pipeline.trigger.sender)
        #expect(stored.query == "key=redacted")
        #expect(!stored.query.contains("demo-crisp-website-key"))
        // A parameter of another name is redacted too: query_key names it as the secret's.
        let custom = QueryKeyVerifier().secretNames(settings: ["value": "v", "parameter": "crisp_hook"])
        #expect(
            HeaderRedaction.redactQuery("crisp_hook=v&website=1", senderNames: custom.queryParameters)
                == "crisp_hook=redacted&website=1")
    }
}
