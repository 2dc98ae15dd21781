import Foundation
import Testing

@testable import BridgeCore

/// `crisp.conversation`, `crisp.note`, `http`, `skip:` and the echo rule: loading and planning.
@Suite struct ConversationActionTests {
    func pipeline(_ yaml: String) throws -> Pipeline {
        let (pipeline, diagnostics) = loadPipeline(yaml)
        return try #require(pipeline, "\(diagnostics)")
    }

    func errors(_ yaml: String) -> [String] {
        loadPipeline(yaml).1.filter { $0.severity == .error }.map {
            "\($0.location.line):\($0.location.column) \($0.message)"
        }
    }

    func plan(_ p: Pipeline, _ body: String, fetcher: any Fetcher = RecordedFetcher(sequences: [:])) async throws
        -> [EventOutcome]
    {
        let request = WebhookRequest(path: "/x", headers: ["content-type": "application/json"], body: Data(body.utf8))
        guard
            case .events(let events) = await p.run(
                request, context: TransformContext(environment: [:], fetcher: fetcher))
        else {
            Issue.record("rejected")
            return []
        }
        return events
    }

    static let header = """
        trigger:
          webhook: { path: /x, verify: none }

        """

    static let setEmail = #"""
        {"website_id":"w1","event":"session:set_email","data":{"website_id":"w1","session_id":"session_abc","email":"lena@example.com"},"timestamp":1749721268431}
        """#

    @Test func conversationAndNotePlanWithTheSessionAsOrderKey() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.conversation:
                      session_id: ${{ body.data.session_id }}
                      data: { plan: pro, seats: 3, Stage: lead }
                      segments: [crm]
                      email: ${{ body.data.email }}
                  - crisp.note: { session_id: "${{ body.data.session_id }}", text: "Found ${{ body.data.email }}" }
                """)
        let events = try await plan(p, Self.setEmail)
        #expect(
            events.first?.expectationJSON == [
                [
                    "crisp.conversation": [
                        "session_id": "session_abc", "data": ["plan": "pro", "seats": 3, "stage": "lead"],
                        "segments": ["crm"], "email": "lena@example.com",
                    ]
                ],
                ["crisp.note": ["session_id": "session_abc", "text": "Found lena@example.com"]],
            ])
        guard case .planned(let operations)? = events.first?.status else { return }
        #expect(operations.map(\.subject.key) == ["session:session_abc", "session:session_abc"])
        #expect(operations.map(\.isIdempotent) == [true, false])
        #expect(operations.allSatisfy { $0.email == nil })
        #expect(CoalescedPlan.eventsStart(of: operations) == nil)
        // Known at intake: the session is the order key, before any fetch.
        let accepted = try p.accept(
            WebhookRequest(path: "/x", headers: [:], body: Data(Self.setEmail.utf8)),
            context: TransformContext(environment: [:])
        ).get()
        #expect(accepted.events.first?.orderKey == "session:session_abc")
    }

    @Test func missingSessionOrTextFailsTheEventWithAReason() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.note: { session_id: "${{ body.data.nope }}", text: hello }
                """)
        guard case .failed(let reason, let retryable)? = try await plan(p, Self.setEmail).first?.status else {
            Issue.record("planned")
            return
        }
        #expect(reason.contains("session_id is missing"))
        #expect(!retryable)
    }

    @Test func loadErrorsAreLocated() {
        #expect(
            errors(Self.header + "actions:\n  - crisp.conversation: { session_id: s }\n")
                == [
                    "4:5 crisp.conversation needs something to write: 'data', 'segments', 'nickname', 'email' or 'phone'"
                ])
        #expect(errors(Self.header + "actions:\n  - crisp.note: { session_id: s }\n").first?.contains("text") == true)
        #expect(
            errors(Self.header + "actions:\n  - crisp.conversation: { session_id: s, data: { \"a b\": 1 } }\n").first?
                .contains("not a valid Crisp custom-data key") == true)
        #expect(
            errors(Self.header + "actions:\n  - htp: { url: https://x.io }\n").first?.contains("did you mean 'http'")
                == true)
        #expect(
            errors(Self.header + "actions:\n  - http: { url: \"${{ env.HOST }}/rows\" }\n").first?.hasPrefix(
                "4:18 http.url")
                == true)
        #expect(
            errors(Self.header + "actions:\n  - http: { url: https://x.io, idempotency_key: \"a b\" }\n").first?
                .contains("name of the header") == true)
        #expect(
            errors(Self.header + "skip:\n  - when: true\nactions:\n  - crisp.note: { session_id: s, text: t }\n").first?
                .contains("reason") == true)
    }

    @Test func skipRulesStopAnEventWithTheirReasonAfterTheFetch() async throws {
        let p = try pipeline(
            Self.header + """
                fetch:
                  crm: { url: "https://crm.example.com/search?email=${{ body.data.email }}" }
                let:
                  found: first(crm.results)
                skip:
                  - when: found == null
                    reason: nobody in the CRM has ${{ body.data.email }}
                actions:
                  - crisp.note: { session_id: "${{ body.data.session_id }}", text: "${{ found.name }}" }
                """)
        let nobody = try await plan(
            p, Self.setEmail,
            fetcher: RecordedFetcher(sequences: [
                "crm": [FetchResponse(status: 200, body: Data(#"{"results":[]}"#.utf8))]
            ]))
        #expect(nobody.first?.expectationJSON == ["skipped": "nobody in the CRM has lena@example.com"])
        #expect(nobody.first?.planJSON["reason"] == "nobody in the CRM has lena@example.com")
        let someone = try await plan(
            p, Self.setEmail,
            fetcher: RecordedFetcher(sequences: [
                "crm": [FetchResponse(status: 200, body: Data(#"{"results":[{"name":"Lena"}]}"#.utf8))]
            ]))
        #expect(someone.first?.expectationJSON == [["crisp.note": ["session_id": "session_abc", "text": "Lena"]]])
        // A bare `skipped` in a test file is a skip by `when` (no reason): it does not pass for a `skip:` rule's.
        let actual: JSONValue = [["skipped": "why"]]
        #expect(!JSONDiff.differences(expected: ["skipped"], actual: actual).isEmpty)
        #expect(!JSONDiff.differences(expected: [["skipped": "other"]], actual: actual).isEmpty)
        #expect(JSONDiff.differences(expected: [["skipped": "why"]], actual: actual).isEmpty)
    }

    @Test func hooksAboutCrispBridgesOwnNotesAreSkipped() async throws {
        let p = try pipeline(
            Self.header + "actions:\n  - crisp.note: { session_id: \"${{ body.data.session_id }}\", text: echo }\n")
        let own = #"""
            {"website_id":"w1","event":"message:received","data":{"session_id":"session_abc","type":"note","from":"operator","origin":"chat","content":"HubSpot: …","user":{"nickname":"crisp-bridge"}},"timestamp":1}
            """#
        guard case .skipped(let reason?)? = try await plan(p, own).first?.status else {
            Issue.record("not skipped")
            return
        }
        #expect(reason.contains("crisp-bridge posted"))
        // An operator's own note, or a visitor's message, is acted on.
        let operators = own.replacingOccurrences(of: #""nickname":"crisp-bridge""#, with: #""nickname":"Ada""#)
        let visitor = own.replacingOccurrences(of: #""from":"operator""#, with: #""from":"user""#)
        for body in [operators, visitor] {
            guard case .planned? = try await plan(p, body).first?.status else {
                Issue.record("skipped: \(body)")
                continue
            }
        }
    }

    /// An `http` action signs in with an OAuth 2 refresh grant (`auth.oauth2`): the call carries the grant's
    /// values for the runtime's fetcher, and the plan shows none of them.
    @Test func httpCarriesItsOAuth2Grant() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - http:
                      url: https://example.my.salesforce.com/services/data/v62.0/sobjects/Task
                      body: { Subject: "${{ body.data.email }}" }
                      auth:
                        oauth2:
                          token_url: https://login.salesforce.com/services/oauth2/token
                          client_id: ${{ env.SF_CLIENT }}
                          client_secret: ${{ env.SF_SECRET }}
                          refresh_token: ${{ env.SF_REFRESH }}
                """)
        let environment = ["SF_CLIENT": "3MVG9client", "SF_SECRET": "sf-secret-1", "SF_REFRESH": "5Aep861refresh"]
        let webhook = WebhookRequest(
            path: "/x", headers: ["content-type": "application/json"],
            body: Data(#"{"data":{"email":"lena@example.com"}}"#.utf8))
        guard case .events(let events) = await p.run(webhook, context: TransformContext(environment: environment))
        else {
            Issue.record("rejected")
            return
        }
        guard case .planned(let operations)? = events.first?.status, case .http(let call)? = operations.first else {
            Issue.record("no call: \(events)")
            return
        }
        #expect(call.request.oauth2?.clientSecret == "sf-secret-1" && call.request.oauth2?.scheme == "Bearer")
        #expect(call.request.oauth2?.tokenURL == "https://login.salesforce.com/services/oauth2/token")
        let shown = events.first?.expectationJSON.jsonText ?? ""
        #expect(!shown.contains("sf-secret-1") && !shown.contains("5Aep861refresh"), "\(shown)")
        let (_, both) = loadPipeline(
            Self.header
                + "actions:\n  - http:\n      url: https://x.io\n      auth: { oauth2: { token_url: u, client_id: a, client_secret: b, refresh_token: c }, google_service_account: { key_file: k, scopes: s } }\n"
        )
        #expect(both.contains { $0.message.contains("http.auth takes one way of signing in") }, "\(both)")
    }

    @Test func httpPlansACallWithCredentialsRedactedAndTheHostFixed() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - http:
                      url: https://api.example.com/v1/${{ body.data.path }}
                      query: { api_key: secret-key, mode: append }
                      headers: { authorization: "Bearer secret-token", x-source: crisp }
                      body: { email: "${{ body.data.email }}" }
                      idempotency_key: Idempotency-Key
                """)
        let events = try await plan(p, #"{"data":{"path":"rows","email":"lena@example.com"}}"#)
        #expect(
            events.first?.expectationJSON == [
                [
                    "http": [
                        "method": "POST", "url": "https://api.example.com/v1/rows?api_key=redacted&mode=append",
                        "headers": ["authorization": "[redacted]", "x-source": "crisp"],
                        "body": ["email": "lena@example.com"], "idempotency_key": "Idempotency-Key",
                    ]
                ]
            ])
        guard case .planned(let operations)? = events.first?.status, case .http(let call)? = operations.first else {
            Issue.record("no call")
            return
        }
        // The real values are kept for the call itself.
        #expect(call.request.headers["authorization"] == "Bearer secret-token")
        #expect(call.request.url.contains("api_key=secret-key"))
        #expect(operations.first?.isIdempotent == true)
        #expect(operations.first.map { $0.requestCost == (0, 0) } == true)
        let a = HTTPCall.idempotencyKey(pipeline: "p", eventID: "e1", index: 0)
        #expect(a == HTTPCall.idempotencyKey(pipeline: "p", eventID: "e1", index: 0))
        #expect(a != HTTPCall.idempotencyKey(pipeline: "p", eventID: "e1", index: 1))
        // A payload changes the path, never the host written in the pipeline.
        let moved = try await plan(p, #"{"data":{"path":"@evil.example/x","email":"a@b.io"}}"#)
        guard case .planned(let movedOperations)? = moved.first?.status,
            case .http(let movedCall)? = movedOperations.first
        else {
            Issue.record("no call")
            return
        }
        #expect(movedCall.request.origin == FetchOrigin(url: "https://api.example.com"))
    }

    @Test func secretsFromTheEnvironmentAreRedactedWhereverTheCallIsShown() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - http:
                      url: https://hooks.example.com/services/${{ env.HOOK_PATH }}
                      query: { access: "${{ env.KEY }}" }
                      headers: { x-api: "${{ env.KEY }}" }
                      body: { token: "${{ env.KEY }}", text: "${{ body.text }}" }
                """)
        let request = WebhookRequest(
            path: "/x", headers: ["content-type": "application/json"], body: Data(#"{"text":"hello"}"#.utf8))
        let outcome = await p.run(
            request, context: TransformContext(environment: ["HOOK_PATH": "T0/B0/SECRETPATH", "KEY": "SUPERSECRET"]))
        guard case .events(let events) = outcome, case .planned(let operations)? = events.first?.status,
            case .http(let call)? = operations.first
        else {
            Issue.record("\(outcome)")
            return
        }
        let shown = events[0].planJSON.jsonText + call.shown
        #expect(!shown.contains("SUPERSECRET"), "\(shown)")
        #expect(!shown.contains("SECRETPATH"), "\(shown)")
        #expect(shown.contains("hello"))
        #expect(call.request.url.contains("SECRETPATH"), "the call itself keeps its values")
    }

    @Test func aSessionIdThatIsNotOneAndAHeaderWithALineBreakFailAtPlanTime() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.note: { session_id: "${{ body.s }}", text: hi }
                """)
        for bad in ["..", "session_a/../b", "session a"] {
            guard case .failed(let reason, _)? = try await plan(p, #"{"s":"\#(bad)"}"#).first?.status else {
                Issue.record("planned with session id \(bad)")
                continue
            }
            #expect(reason.contains("is not a Crisp session id"), "\(reason)")
        }
        let call = try pipeline(
            Self.header + "actions:\n  - http: { url: https://x.example.com/a, headers: { x-v: \"${{ body.v }}\" } }\n")
        guard
            case .failed(let reason, let retryable)? = try await plan(call, #"{"v":"a\r\nInjected: 1"}"#).first?.status
        else {
            Issue.record("planned a header with a line break")
            return
        }
        #expect(reason.contains("line break"))
        #expect(!retryable)
    }
}
