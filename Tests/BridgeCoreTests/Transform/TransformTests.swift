import Foundation
import Testing

@testable import BridgeCore

@Suite struct TransformTests {
    func pipeline(_ yaml: String) throws -> Pipeline {
        let (pipeline, diagnostics) = loadPipeline(yaml)
        return try #require(pipeline, "\(diagnostics)")
    }

    func request(_ body: String, headers: [String: String] = ["content-type": "application/json"]) -> WebhookRequest {
        WebhookRequest(path: "/x", headers: headers, body: Data(body.utf8))
    }

    func events(_ outcome: RequestOutcome) throws -> [EventOutcome] {
        guard case .events(let events) = outcome else {
            Issue.record("rejected: \(outcome)")
            return []
        }
        return events
    }

    static let header = """
        trigger:
          webhook: { path: /x, verify: none }

        """

    @Test func eachSplitsIdDedupesWhenFilters() async throws {
        let p = try pipeline(
            Self.header + """
                  each: body.items
                  id: "'item-' + event.n"
                  when: event.n != 2
                actions:
                  - crisp.event: { email: "${{ event.email }}", text: "n=${{ event.n }}" }
                """)
        let outcome = await p.run(
            request(#"{"items": [{"n": 1, "email": "a@x.io"}, {"n": 2}, {"n": 3, "email": "c@x.io"}]}"#),
            context: TransformContext(environment: [:]))
        let events = try events(outcome)
        #expect(events.map(\.id) == ["item-1", "item-2", "item-3"])
        #expect(events[1].expectationJSON == "skipped")
        #expect(events[2].expectationJSON == [["crisp.event": ["email": "c@x.io", "text": "n=3"]]])
    }

    @Test func withoutIdTheSenderDefaultOrABodyDigestIsUsed() async throws {
        let p = try pipeline(Self.header + "actions:\n  - crisp.event: { email: a@x.io, text: t }")
        let a = try events(await p.run(request("{\"a\": 1}"), context: TransformContext(environment: [:])))
        let b = try events(await p.run(request("{\"a\": 1}"), context: TransformContext(environment: [:])))
        let c = try events(await p.run(request("{\"a\": 2}"), context: TransformContext(environment: [:])))
        #expect(a[0].id.hasPrefix("sha256:"))
        #expect(a[0].id == b[0].id)
        #expect(a[0].id != c[0].id)
    }

    @Test func bodiesAreParsedByContentType() async throws {
        let p = try pipeline(
            Self.header + "actions:\n  - crisp.event: { email: \"${{ body.email }}\", text: \"${{ body.plan }}\" }")
        let form = try events(
            await p.run(
                request(
                    "email=ada%40x.io&plan=pro+plus", headers: ["content-type": "application/x-www-form-urlencoded"]),
                context: TransformContext(environment: [:])))
        #expect(form[0].expectationJSON == [["crisp.event": ["email": "ada@x.io", "text": "pro plus"]]])
        let bad = await p.run(request("{not json"), context: TransformContext(environment: [:]))
        guard case .rejected(400, let reason) = bad else {
            Issue.record("\(bad)")
            return
        }
        #expect(reason.contains("not valid JSON"))
        let xml = try p.accept(
            request("<a><email>ada@x.io</email><plan>pro</plan></a>", headers: ["content-type": "text/xml"]),
            context: TransformContext(environment: [:])
        ).get()
        #expect(xml.body == ["a": ["email": "ada@x.io", "plan": "pro"]])
        let other = await p.run(
            request("a,b", headers: ["content-type": "text/csv"]), context: TransformContext(environment: [:]))
        guard case .rejected(415, let why) = other else {
            Issue.record("\(other)")
            return
        }
        #expect(why.contains("JSON, XML or form fields"))
    }

    @Test func runtimeTypeErrorsFailTheEventWithFileLineAndColumn() async throws {
        let p = try pipeline(
            Self.header + "actions:\n  - crisp.event: { email: a@x.io, text: \"${{ lower(body.n) }}\" }")
        let e = try events(await p.run(request(#"{"n": 42}"#), context: TransformContext(environment: [:])))
        guard case .failed(let reason, let retryable) = e[0].status else {
            Issue.record("\(e[0].status)")
            return
        }
        #expect(reason == "test.yaml:4:46: lower: argument 1 must be a string, got number 42")
        #expect(!retryable)
    }

    @Test func crispRulesAreCheckedOnEvaluatedValues() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.data: { email: "${{ body.email }}", merge: "${{ body.data }}" }
                  - crisp.event: { email: "${{ body.email }}", text: "${{ body.text }}", color: "${{ body.color }}" }
                  - crisp.profile: { email: "${{ body.email }}", person: { timezone: "${{ body.tz }}" } }
                """)
        func reason(_ body: String) async throws -> String {
            let e = try events(await p.run(request(body), context: TransformContext(environment: [:])))
            if case .failed(let reason, _) = e[0].status { return reason }
            return "planned: \(e[0].expectationJSON)"
        }
        #expect(try await reason(#"{"email": "ADA @x.io"}"#).contains("\"ADA @x.io\" is not a valid email address"))
        #expect(
            try await reason(#"{"email": "a@x.io", "data": {"bad key": 1}}"#).contains(
                "'bad key' is not a valid Crisp custom-data key"))
        #expect(
            try await reason(#"{"email": "a@x.io", "data": {"k": [1]}}"#).contains(
                "values must be text, numbers or booleans"))
        #expect(
            try await reason(#"{"email": "a@x.io", "text": "\#(String(repeating: "x", count: 81))"}"#).contains(
                "81 characters"))
        #expect(
            try await reason(#"{"email": "a@x.io", "text": "t", "color": "teal"}"#).contains(
                "'teal' is not a Crisp event colour"))
        #expect(
            try await reason(#"{"email": "a@x.io", "text": "t", "tz": "UTC"}"#).contains(
                "person.timezone must be a number"))

        let ok = try events(
            await p.run(
                request(#"{"email": "a@x.io", "data": {"Plan": "pro"}, "text": "t"}"#),
                context: TransformContext(environment: [:])))
        #expect(ok[0].warnings == ["crisp.data.merge: custom-data key 'Plan' written as 'plan'"])
        #expect(
            ok[0].expectationJSON.arrayValue?.first == ["crisp.data": ["email": "a@x.io", "merge": ["plan": "pro"]]])
    }

    @Test func eventDataIsLimitedToTenKeys() async throws {
        let p = try pipeline(
            Self.header + "actions:\n  - crisp.event: { email: a@x.io, text: t, data: \"${{ body }}\" }")
        let keys = (0...10).map { "\"k\($0)\": 1" }.joined(separator: ",")
        let e = try events(await p.run(request("{\(keys)}"), context: TransformContext(environment: [:])))
        guard case .failed(let reason, _) = e[0].status else {
            Issue.record("\(e[0].status)")
            return
        }
        #expect(reason.contains("data has 11 keys; Crisp takes at most 10"))
    }

    /// `auth.oauth2` of a fetch: the grant's templates are evaluated for each call and handed to the fetcher,
    /// which signs the call in; without a refresh token it is the client-credentials grant; a fetch may sign in as
    /// a Google service account instead, never both.
    @Test func aFetchCarriesItsOAuth2Grant() async throws {
        let p = try pipeline(
            Self.header + """
                fetch:
                  lead:
                    url: https://www.zohoapis.com/crm/v7/Leads/${{ body.id }}
                    auth:
                      oauth2:
                        token_url: ${{ default(env.ACCOUNTS, "https://accounts.zoho.com") }}/oauth/v2/token
                        client_id: ${{ env.CLIENT }}
                        client_secret: ${{ env.SECRET }}
                        refresh_token: ${{ env.REFRESH }}
                        scheme: Zoho-oauthtoken
                actions:
                  - crisp.event: { email: "${{ lead.email }}", text: fetched }
                """)
        let fetcher = RecordedFetcher(
            ["lead": FetchResponse(status: 200, body: Data(#"{"email": "a@x.io"}"#.utf8))], keepingRequests: true)
        let environment = ["CLIENT": "1000.client", "SECRET": "s3cret", "REFRESH": "1000.refresh"]
        let ok = try events(
            await p.run(request(#"{"id": "7"}"#), context: TransformContext(environment: environment, fetcher: fetcher))
        )
        #expect(ok[0].expectationJSON == [["crisp.event": ["email": "a@x.io", "text": "fetched"]]])
        let sent = try #require(fetcher.recordedRequests.first)
        #expect(
            sent.oauth2
                == OAuth2Credentials(
                    tokenURL: "https://accounts.zoho.com/oauth/v2/token", clientID: "1000.client",
                    clientSecret: "s3cret", refreshToken: "1000.refresh", scheme: "Zoho-oauthtoken"))
        #expect(sent.headers["authorization"] == nil, "the fetcher adds the token")
        #expect(
            sent.oauth2?.tokenForm
                == "grant_type=refresh_token&refresh_token=1000.refresh&client_id=1000.client&client_secret=s3cret")

        for (auth, problem) in [
            (
                "auth: { google_service_account: { key_file: k, scopes: [s] }, oauth2: { token_url: u, client_id: a, client_secret: b } }",
                "takes one way of signing in"
            ),
            ("auth: { oauth2: { token_url: https://x.io/t, client_id: a } }", "needs 'client_secret'"),
            (
                "auth: { oauth2: { token_url: u, client_id: a, client_secret: b, refresh_token: c, scheme: \"a b\" } }",
                "scheme is one word"
            ),
        ] {
            let text =
                Self.header + "fetch:\n  lead:\n    url: https://x.io/\n    \(auth)\n"
                + "actions:\n  - crisp.event: { email: a@x.io, text: t }\n"
            let (_, diagnostics) = loadPipeline(text)
            #expect(diagnostics.contains { $0.message.contains(problem) }, "\(auth): \(diagnostics)")
        }
    }

    /// A fetch's other ways of signing in: the client-credentials grant (no refresh token: Entra ID for
    /// Dataverse) and a Google service account (its key file from the environment; empty fails the event).
    @Test func aFetchSignsInWithClientCredentialsOrAServiceAccount() async throws {
        let p = try pipeline(
            Self.header + """
                fetch:
                  contact:
                    url: https://org.crm4.dynamics.com/api/data/v9.2/contacts(${{ body.id }})
                    auth:
                      oauth2:
                        token_url: https://login.microsoftonline.com/${{ env.TENANT }}/oauth2/v2.0/token
                        client_id: ${{ env.CLIENT }}
                        client_secret: ${{ env.SECRET }}
                        scope: https://org.crm4.dynamics.com/.default
                  rows:
                    url: https://sheets.googleapis.com/v4/spreadsheets/s/values/A:A
                    auth:
                      google_service_account:
                        key_file: ${{ env.KEY_FILE }}
                        scopes: [https://www.googleapis.com/auth/spreadsheets]
                actions:
                  - crisp.event: { email: "${{ contact.email }}", text: "${{ length(rows.values) }} rows" }
                """)
        let answers = [
            "contact": FetchResponse(status: 200, body: Data(#"{"email": "a@x.io"}"#.utf8)),
            "rows": FetchResponse(status: 200, body: Data(#"{"values": [["a"], ["b"]]}"#.utf8)),
        ]
        let fetcher = RecordedFetcher(answers, keepingRequests: true)
        let environment = ["TENANT": "t1", "CLIENT": "app", "SECRET": "s3cret", "KEY_FILE": "/keys/sheet.json"]
        let ok = try events(
            await p.run(request(#"{"id": "7"}"#), context: TransformContext(environment: environment, fetcher: fetcher))
        )
        #expect(ok[0].expectationJSON == [["crisp.event": ["email": "a@x.io", "text": "2 rows"]]])
        let sent = fetcher.recordedRequests
        #expect(sent.count == 2)
        #expect(sent[0].oauth2?.refreshToken == nil)
        #expect(
            sent[0].oauth2?.tokenForm
                == "grant_type=client_credentials&client_id=app&client_secret=s3cret&scope=https%3A%2F%2Forg.crm4.dynamics.com%2F.default"
        )
        #expect(sent[0].serviceAccount == nil)
        #expect(
            sent[1].serviceAccount
                == ServiceAccountGrant(
                    keyFile: "/keys/sheet.json", scopes: ["https://www.googleapis.com/auth/spreadsheets"]))
        #expect(sent[1].oauth2 == nil)

        var unset = environment
        unset["KEY_FILE"] = nil
        let failed = try events(
            await p.run(request(#"{"id": "7"}"#), context: TransformContext(environment: unset, fetcher: fetcher)))
        guard case .failed(let reason, let retryable) = failed[0].status else {
            Issue.record("expected a failure, got \(failed[0].status)")
            return
        }
        #expect(reason.contains("fetch rows: auth.google_service_account.key_file is empty"))
        #expect(!retryable)
    }

    /// `website_id:` sends an action to another website of the token: the operation carries it, and the order key
    /// (what crisp-bridge remembers writing is kept under it too) is the website's, so one email on two websites
    /// are two contacts; the configured website (`CRISP_WEBSITE_ID`), empty or null mean the default.
    @Test func aWebsiteIDSendsTheActionToThatWebsiteAndKeysItsContact() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.profile: { website_id: "${{ body.site }}", email: "${{ body.email }}" }
                  - crisp.event: { website_id: "${{ body.site }}", email: "${{ body.email }}", text: hi }
                """)
        let context = TransformContext(environment: ["CRISP_WEBSITE_ID": "site-main"])
        let other = try events(await p.run(request(#"{"site": "site-b", "email": "a@x.io"}"#), context: context))
        #expect(
            other[0].expectationJSON == [
                ["crisp.profile": ["email": "a@x.io", "website_id": "site-b"]],
                ["crisp.event": ["email": "a@x.io", "text": "hi", "website_id": "site-b"]],
            ])
        guard case .planned(let operations) = other[0].status else {
            Issue.record("not planned")
            return
        }
        #expect(operations[0].subject.key == "website:site-b a@x.io")
        #expect(operations[0].websiteID == "site-b" && operations[0].on(website: nil).websiteID == nil)
        #expect(CoalescedPlan.eventsStart(of: operations) == nil, "writes to another website are not merged")
        guard
            case .success(let accepted) = p.accept(request(#"{"site": "site-b", "email": "a@x.io"}"#), context: context)
        else {
            Issue.record("not accepted")
            return
        }
        #expect(accepted.events[0].orderKey == "website:site-b a@x.io", "the order key is the plan's subject")

        for site in [#""site-main""#, #""""#, "null"] {
            let main = try events(
                await p.run(request(#"{"site": \#(site), "email": "a@x.io"}"#), context: context))
            #expect(main[0].expectationJSON[0] == ["crisp.profile": ["email": "a@x.io"]], "\(site)")
        }
    }

    /// An action's own `when:` leaves it out of the plan when false; the others still run.
    @Test func anActionsOwnWhenLeavesItOut() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.profile: { email: "${{ body.email }}" }
                  - when: body.note != null
                    crisp.event: { email: "${{ body.email }}", text: "${{ body.note }}" }
                """)
        let with = try events(await p.run(request(#"{"email": "a@x.io", "note": "hi"}"#), context: TransformContext()))
        #expect(
            with[0].expectationJSON == [
                ["crisp.profile": ["email": "a@x.io"]], ["crisp.event": ["email": "a@x.io", "text": "hi"]],
            ])
        let without = try events(await p.run(request(#"{"email": "a@x.io"}"#), context: TransformContext()))
        #expect(without[0].expectationJSON == [["crisp.profile": ["email": "a@x.io"]]])

        for (item, problem) in [
            ("- when: true\n", "an action needs its kind beside when:"),
            ("- when: (\n    crisp.event: { email: a@x.io, text: t }\n", "the expression ends too early"),
            (
                "- when: true\n    crisp.event: { email: a@x.io, text: t }\n    http: { url: https://x.io }\n",
                "one key (its kind)"
            ),
        ] {
            let (_, diagnostics) = loadPipeline(Self.header + "actions:\n  " + item)
            #expect(diagnostics.contains { $0.message.contains(problem) }, "\(item): \(diagnostics)")
        }
    }

    /// A value a rule leaves out (a phone not valid in its country, an unknown country, an address that is not
    /// one) is a warning of the event, at the place of the call that left it out; an absent value is not.
    @Test func valuesLeftOutAreWarnings() async throws {
        let p = try pipeline(
            Self.header + """
                actions:
                  - crisp.profile:
                      email: ${{ email(body.email) ?? "fallback@x.io" }}
                      person:
                        phone: ${{ phone(body.phone, "NO") }}
                        geolocation: { country: "${{ country_code(body.country) }}" }
                """)
        let bad = try events(
            await p.run(
                request(#"{"email": "ada at x", "phone": "12 34 56 78", "country": "Atlantis"}"#),
                context: TransformContext()))
        #expect(bad[0].expectationJSON == [["crisp.profile": ["email": "fallback@x.io"]]])
        #expect(bad[0].warnings.count == 3)
        #expect(bad[0].warnings[0].hasSuffix("email: 'ada at x' is not a valid email address; the value is left out"))
        #expect(bad[0].warnings[1].contains(":7:"), "at the phone's line: \(bad[0].warnings[1])")
        #expect(
            bad[0].warnings[1].hasSuffix(
                "phone: '12 34 56 78' is not a valid phone number for region NO; the value is left out"))
        #expect(bad[0].warnings[2].contains("country_code: 'Atlantis' is not a country name or code"))
        #expect(bad[0].planJSON["warnings"].arrayValue?.count == 3, "plan prints them")

        let absent = try events(
            await p.run(request(#"{"email": "ada@x.io", "phone": ""}"#), context: TransformContext()))
        #expect(absent[0].warnings.isEmpty)
        let good = try events(
            await p.run(
                request(#"{"email": "ada@x.io", "phone": "+47 22 12 34 56", "country": "Norway"}"#),
                context: TransformContext()))
        #expect(good[0].warnings.isEmpty)
    }

    @Test func fetchesBuildTheRequestAndClassifyFailures() async throws {
        let p = try pipeline(
            Self.header + """
                fetch:
                  contact:
                    url: https://crm.example.com/contacts/${{ url_encode(body.id) }}
                    query: { fields: "email,name", missing: "${{ body.nothing }}" }
                    headers: { Authorization: "Bearer ${{ env.TOKEN }}" }
                actions:
                  - crisp.event: { email: "${{ contact.email }}", text: fetched }
                """)
        let fetcher = RecordedFetcher(
            ["contact": FetchResponse(status: 200, body: Data(#"{"email": "a@x.io"}"#.utf8))], keepingRequests: true)
        let ok = try events(
            await p.run(
                request(#"{"id": "a/b"}"#), context: TransformContext(environment: ["TOKEN": "t0k"], fetcher: fetcher)))
        #expect(ok[0].expectationJSON == [["crisp.event": ["email": "a@x.io", "text": "fetched"]]])
        let sent = try #require(fetcher.recordedRequests.first)
        #expect(sent.url == "https://crm.example.com/contacts/a%2Fb?fields=email%2Cname")
        #expect(sent.headers["authorization"] == "Bearer t0k")

        for (status, retryable) in [(503, true), (429, true), (404, false)] {
            let failing = RecordedFetcher(["contact": FetchResponse(status: status, body: Data())])
            let e = try events(
                await p.run(
                    request(#"{"id": "1"}"#),
                    context: TransformContext(environment: ["TOKEN": "secret-token"], fetcher: failing)))
            guard case .failed(let reason, let isRetryable) = e[0].status else {
                Issue.record("\(e[0].status)")
                continue
            }
            #expect(reason.contains("GET https://crm.example.com/contacts/1 answered \(status)"))
            #expect(!reason.contains("secret-token"))
            #expect(isRetryable == retryable)
        }
    }

    @Test func eachMustGiveAList() async throws {
        let p = try pipeline(Self.header + "  each: body.items\nactions:\n  - crisp.event: { email: a@x.io, text: t }")
        let e = try events(await p.run(request(#"{"items": {"a": 1}}"#), context: TransformContext(environment: [:])))
        guard case .failed(let reason, _) = e[0].status else {
            Issue.record("\(e[0].status)")
            return
        }
        #expect(reason.contains("each must give a list, got object"))
        let none = try events(await p.run(request(#"{}"#), context: TransformContext(environment: [:])))
        #expect(none.isEmpty)
    }

    @Test func signatureSecretsComeFromTheEnvironment() async throws {
        let p = try pipeline(
            """
            trigger:
              webhook:
                path: /x
                verify: { basic: { username: bridge, password: "${{ env.PASSWORD }}" } }
            actions:
              - crisp.event: { email: a@x.io, text: t }
            """)
        let auth = [
            "authorization": "Basic " + Data("bridge:pw".utf8).base64EncodedString(),
            "content-type": "application/json",
        ]
        let accepted = await p.run(
            request("{}", headers: auth), context: TransformContext(environment: ["PASSWORD": "pw"]))
        #expect(try events(accepted).count == 1)
        let unset = await p.run(request("{}", headers: auth), context: TransformContext(environment: [:]))
        guard case .rejected(401, let reason) = unset else {
            Issue.record("\(unset)")
            return
        }
        #expect(reason.contains("setting 'password' is empty"))
    }

    @Test func recordedAnswersServeInOrderAndRunOut() async throws {
        let answer = { (email: String) in FetchResponse(status: 200, body: Data("{\"email\": \"\(email)\"}".utf8)) }
        let fetcher = RecordedFetcher(sequences: ["c": [answer("a@x.io"), answer("b@x.io")]])
        let request = FetchRequest(name: "c", method: "GET", url: "https://x", headers: [:], body: nil)
        #expect(try await fetcher.fetch(request) == answer("a@x.io"))
        #expect(try await fetcher.fetch(request) == answer("b@x.io"))
        await #expect(throws: BridgeCoreError.self) { try await fetcher.fetch(request) }

        let repeating = RecordedFetcher(sequences: ["c": [answer("a@x.io")]], repeating: ["c"])
        for _ in 0..<3 { #expect(try await repeating.fetch(request) == answer("a@x.io")) }
        await #expect(throws: BridgeCoreError.self) {
            try await repeating.fetch(
                FetchRequest(name: "other", method: "GET", url: "https://x", headers: [:], body: nil))
        }
    }
}
