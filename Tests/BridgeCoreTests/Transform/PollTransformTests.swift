import Foundation
import Testing

@testable import BridgeCore

/// `trigger.poll`: checked at load with located errors; one poll's pages, cursor and failures.
@Suite struct PollTransformTests {
    static func pipeline(_ poll: String, extra: String = "") -> String {
        """
        name: p
        trigger:
          poll:
        \(poll.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        \(extra)
        actions:
          - crisp.profile: { email: "${{ email(event.email) }}" }
        """
    }

    static let valid = """
        every: 30s
        request:
          url: https://api.example.com/contacts
          query: { since: "${{ cursor }}" }
        items: answer.items
        id: event.id
        cursor: last(items).at ?? cursor
        next: 'answer.next ? { page: answer.next } : null'
        """

    func errors(_ text: String) -> [Diagnostic] {
        loadPipeline(text).1.filter { $0.severity == .error }
    }

    /// A poll's request signs in with `trigger.poll.auth.oauth2`, evaluated like the request (env).
    @Test func aPollsRequestCarriesItsOAuth2Grant() async throws {
        let text = Self.pipeline(
            Self.valid + """

                auth:
                  oauth2:
                    token_url: https://api.hubapi.com/oauth/v1/token
                    client_id: ${{ env.HUBSPOT_CLIENT_ID }}
                    client_secret: ${{ env.HUBSPOT_CLIENT_SECRET }}
                    refresh_token: ${{ env.HUBSPOT_REFRESH_TOKEN }}
                """)
        let (pipeline, diagnostics) = loadPipeline(text)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let p = try #require(pipeline)
        let fetcher = RecordedFetcher(
            ["poll": FetchResponse(status: 200, body: Data(#"{"items": []}"#.utf8))], keepingRequests: true)
        let environment = ["HUBSPOT_CLIENT_ID": "c1", "HUBSPOT_CLIENT_SECRET": "s1", "HUBSPOT_REFRESH_TOKEN": "r1"]
        _ = try await p.poll(
            cursor: nil, resume: nil, context: TransformContext(environment: environment, fetcher: fetcher),
            authorization: nil, now: Date())
        let sent = try #require(fetcher.recordedRequests.first)
        #expect(
            sent.oauth2
                == OAuth2Credentials(
                    tokenURL: "https://api.hubapi.com/oauth/v1/token", clientID: "c1", clientSecret: "s1",
                    refreshToken: "r1"))
    }

    @Test func aValidPollLoads() throws {
        let (pipeline, diagnostics) = loadPipeline(Self.pipeline(Self.valid))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let poll = try #require(pipeline?.trigger.poll)
        #expect(poll.every == 30)
        #expect(poll.start == .now)
        #expect(poll.requestSummary == "GET https://api.example.com")
    }

    @Test(arguments: [
        ("every: 5s", "from 10 seconds to 7 days", 4, 12),
        ("every: soon", "from 10 seconds to 7 days", 4, 12),
        ("start: yesterday", "`now`", 4, 12),
        ("rate: fast", "e.g. 3/s", 4, 11),
    ])
    func badSettingsSayWhatAndWhere(setting: String, message: String, line: Int, column: Int) {
        // The setting is the poll's first line (line 4 of the file); `every` replaces the valid one.
        let rest =
            setting.hasPrefix("every")
            ? Self.valid.split(separator: "\n").dropFirst().joined(separator: "\n") : Self.valid
        let found = errors(Self.pipeline(setting + "\n" + rest))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.message.contains(message) == true, "\(found)")
        #expect(found.first?.location.line == line)
        #expect(found.first?.location.column == column)
    }

    @Test func theRequestsHostMustBeWrittenAndThePollNeedsItsParts() {
        let computed = errors(
            Self.pipeline(
                Self.valid.replacingOccurrences(of: "https://api.example.com/contacts", with: "${{ env.URL }}")))
        #expect(computed.first?.message.contains("write the URL's scheme and host literally") == true)
        let missing = errors(Self.pipeline("every: 1m\nrequest: { url: https://api.example.com/x }"))
        #expect(missing.map(\.message).contains { $0.contains("trigger.poll needs 'items'") })
        #expect(missing.map(\.message).contains { $0.contains("trigger.poll needs 'id'") })
        let each = errors(Self.pipeline(Self.valid, extra: "  each: body"))
        #expect(each.first?.message.contains("a poll pipeline has no `each`") == true)
        let both = errors(Self.pipeline(Self.valid, extra: "  webhook: { path: /x, verify: none }"))
        #expect(both.first?.message.contains("give one") == true)
        // The request sees the cursor, not the answer (there is none yet).
        let early = errors(
            Self.pipeline(Self.valid.replacingOccurrences(of: #""${{ cursor }}""#, with: #""${{ answer.x }}""#)))
        #expect(early.first?.message.contains("answer") == true)
    }

    @Test func pagesAreFollowedWithNextAddedToTheQueryAndTheCursorMoves() async throws {
        let (loaded, _) = loadPipeline(Self.pipeline(Self.valid))
        let pipeline = try #require(loaded)
        let answer = { (text: String) in FetchResponse(status: 200, body: Data(text.utf8)) }
        let fetcher = RecordedFetcher(
            sequences: [
                "poll": [
                    answer(#"{"items": [{"id": "a", "at": 1}], "next": "p2"}"#),
                    answer(#"{"items": [{"id": "b", "at": 2}], "next": "p3"}"#),
                    answer(#"{"items": [], "next": null}"#),
                ]
            ], keepingRequests: true)
        let result = try await pipeline.poll(
            cursor: 0, context: TransformContext(environment: [:], fetcher: fetcher), pause: { _ in })
        #expect(result.items.map { $0["id"] } == ["a", "b"])
        #expect(result.cursor == 2)
        #expect(result.requests == 3)
        #expect(
            fetcher.recordedRequests.map(\.url) == [
                "https://api.example.com/contacts?since=0", "https://api.example.com/contacts?since=0&page=p2",
                "https://api.example.com/contacts?since=0&page=p3",
            ])
    }

    /// A `next` parameter replaces the request's own of the same name, however either is encoded: PrestaShop's
    /// `filter[id]` (written `filter%5Bid%5D` in the URL) is not sent twice.
    @Test func aNextParameterReplacesTheEncodedOneOfTheSameName() {
        let base = FetchRequest(
            name: "poll", method: "GET",
            url: "https://shop.example.com/api/customers?filter%5Bid%5D=%5B1%2C9%5D&sort=%5Bid_ASC%5D&limit=2")
        let next = Pipeline.nextPage(of: base, with: ["filter[id]": "[5,9]"])
        #expect(
            next.url == "https://shop.example.com/api/customers?sort=%5Bid_ASC%5D&limit=2&filter%5Bid%5D=%5B5%2C9%5D")
    }

    /// An API whose `next` never moves (the same cursor with "more" every time) was asked for the same page
    /// until the paging budget ran out, poll after poll: paging stops as soon as the next request would be the
    /// one just made, the pages read are kept, and the reason is given.
    @Test func pagingStopsWhenTheNextPageIsTheSameRequest() async throws {
        let (loaded, _) = loadPipeline(Self.pipeline(Self.valid))
        let pipeline = try #require(loaded)
        let answer = { (text: String) in FetchResponse(status: 200, body: Data(text.utf8)) }
        let fetcher = RecordedFetcher(
            sequences: [
                "poll": Array(
                    repeating: answer(#"{"items": [{"id": "a", "at": 1}], "next": "p2"}"#), count: 50)
            ], keepingRequests: true)
        let result = try await pipeline.poll(
            cursor: 0, context: TransformContext(environment: [:], fetcher: fetcher), pause: { _ in })
        #expect(
            fetcher.recordedRequests.map(\.url) == [
                "https://api.example.com/contacts?since=0", "https://api.example.com/contacts?since=0&page=p2",
            ], "the page p2 is asked for once")
        #expect(result.requests == 2)
        #expect(result.items.map { $0["id"] } == ["a", "a"], "what was read is kept (its id makes it one event)")
        #expect(!result.morePages && result.resume == nil, "the next poll starts again from the cursor")
        #expect(result.stuck?.contains("the API's cursor does not move") == true, "\(String(describing: result.stuck))")
        #expect(result.cursor == 1)
    }

    @Test func aFirstPollWithStartNowDeliversNothingButKeepsTheCursor() async throws {
        let (loaded, _) = loadPipeline(Self.pipeline(Self.valid))
        let pipeline = try #require(loaded)
        let fetcher = RecordedFetcher([
            "poll": FetchResponse(status: 200, body: Data(#"{"items": [{"id": "a", "at": 7}]}"#.utf8))
        ])
        let first = try await pipeline.poll(cursor: nil, context: TransformContext(environment: [:], fetcher: fetcher))
        #expect(first.items.isEmpty)
        #expect(first.found == 1)
        #expect(first.onlyRecorded)
        #expect(first.cursor == 7)
        let later = try await pipeline.poll(cursor: 3, context: TransformContext(environment: [:], fetcher: fetcher))
        #expect(later.items.count == 1)
    }

    @Test func failuresCarryTheStatusAndTheWaitAsked() async throws {
        let (loaded, _) = loadPipeline(Self.pipeline(Self.valid))
        let pipeline = try #require(loaded)
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        for (headers, wait) in [
            (["retry-after": "42"], 42.0), (["retry-after": "Sun, 15 Jun 2025 15:07:20 GMT"], 40.0),
            (["retry-after": "1e300"], 86_400.0), ([String: String](), nil),
        ] {
            let fetcher = RecordedFetcher(["poll": FetchResponse(status: 429, body: Data(), headers: headers)])
            await #expect {
                _ = try await pipeline.poll(
                    cursor: 0, context: TransformContext(environment: [:], fetcher: fetcher), now: now)
            } throws: { error in
                guard let failure = error as? PollFailure else { return false }
                return failure.status == 429 && failure.retryAfter == wait && failure.reason.contains("rate limited")
            }
        }
        let wrongNext = RecordedFetcher([
            "poll": FetchResponse(status: 200, body: Data(#"{"items": [], "next": 5}"#.utf8))
        ])
        let (strict, _) = loadPipeline(
            Self.pipeline(
                Self.valid.replacingOccurrences(of: "'answer.next ? { page: answer.next } : null'", with: "answer.next")
            ))
        await #expect {
            _ = try await strict!.poll(cursor: 0, context: TransformContext(environment: [:], fetcher: wrongNext))
        } throws: { error in
            (error as? PollFailure)?.reason.contains("poll.next must give an object") == true
        }
    }
}

extension PollTransformTests {
    @Test func aTestCaseChecksTheCursorAPollLeaves() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.pipeline(Self.valid).write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        try """
        pipeline: p.yaml
        cases:
          - name: right
            poll: { body: { items: [{ id: a, at: 5, email: a@example.com }] } }
            cursor: 1
            expect_cursor: 5
            expect:
              - - crisp.profile: { email: a@example.com }
          - name: wrong cursor
            poll: { body: { items: [{ id: a, at: 5, email: a@example.com }] } }
            cursor: 1
            expect_cursor: 4
            expect:
              - - crisp.profile: { email: a@example.com }
          - name: a poll and a request
            poll: { body: {} }
            request: { body: {} }
            expect: []
        """.write(toFile: folder + "/p.test.yaml", atomically: true, encoding: .utf8)
        let report = await TestRunner.run(paths: [folder + "/p.test.yaml"])
        #expect(report.diagnostics.contains { $0.message.contains("not both") })
        let (suite, _) = TestSuiteLoader.load(file: folder + "/p.test.yaml")
        #expect(suite == nil)
        try String(
            try String(contentsOfFile: folder + "/p.test.yaml", encoding: .utf8).split(
                separator: "  - name: a poll and a request")[0]
        ).write(toFile: folder + "/p.test.yaml", atomically: true, encoding: .utf8)
        let results = await TestRunner.run(paths: [folder + "/p.test.yaml"]).results
        #expect(results.map(\.passed) == [true, false])
        #expect(results.last?.differences.first?.expected == 4)
        #expect(results.last?.differences.first?.actual == 5)
    }
}

extension PollTransformTests {
    @Test func aPollThatRanOutOfPagesGoesOnFromWhereItStopped() async throws {
        let (loaded, _) = loadPipeline(Self.pipeline(Self.valid))
        let pipeline = try #require(loaded)
        let answer = { (text: String) in FetchResponse(status: 200, body: Data(text.utf8)) }
        let fetcher = RecordedFetcher(
            sequences: [
                "poll": [
                    answer(#"{"items": [{"id": "a", "at": 1}], "next": "p2"}"#),
                    answer(#"{"items": [{"id": "b", "at": 2}], "next": "p3"}"#),
                    answer(#"{"items": [{"id": "c", "at": 3}], "next": null}"#),
                ]
            ], keepingRequests: true)
        let context = TransformContext(environment: [:], fetcher: fetcher)
        let first = try await pipeline.poll(cursor: 0, context: context, pageLimit: 2, pause: { _ in })
        #expect(first.morePages)
        #expect(first.items.map { $0["id"] } == ["a", "b"])
        #expect(first.cursor == 2)
        let resume = try #require(first.resume)
        let second = try await pipeline.poll(cursor: first.cursor, resume: resume, context: context, pause: { _ in })
        #expect(!second.morePages)
        #expect(second.resume == nil)
        #expect(second.items.map { $0["id"] } == ["c"])
        #expect(second.cursor == 3)
        // The resumed page is asked with the request the paging started with (its cursor), and the page token.
        #expect(fetcher.recordedRequests.last?.url == "https://api.example.com/contacts?since=0&page=p3")
    }

    @Test func theRequestSeesWhereTheFirstPollStarts() async throws {
        let poll = Self.valid.replacingOccurrences(
            of: #"query: { since: "${{ cursor }}" }"#,
            with: "query:\n    since: '${{ cursor ?? (start == \"now\" ? polled_at : \"0\") }}'")
        for (start, since) in [("now", "2025-06-12T10%3A00%3A00.000Z"), ("beginning", "0")] {
            let (loaded, diagnostics) = loadPipeline(Self.pipeline("start: \(start)\n" + poll))
            #expect(!diagnostics.hasErrors, "\(diagnostics)")
            let fetcher = RecordedFetcher(
                ["poll": FetchResponse(status: 200, body: Data(#"{"items": [{"id": "a", "at": 1}]}"#.utf8))],
                keepingRequests: true)
            let pipeline = try #require(loaded)
            let result = try await pipeline.poll(
                cursor: nil, context: TransformContext(environment: [:], fetcher: fetcher),
                now: Date(timeIntervalSince1970: 1_749_722_400))
            #expect(fetcher.recordedRequests.first?.url == "https://api.example.com/contacts?since=\(since)")
            #expect(result.onlyRecorded == (start == "now"))
            #expect(result.recorded.count == (start == "now" ? 1 : 0))
            #expect(result.items.count == (start == "now" ? 0 : 1))
        }
    }
}

extension PollTransformTests {
    @Test func aLaterPageFailingKeepsThePagesBeforeIt() async throws {
        let (loaded, _) = loadPipeline(Self.pipeline(Self.valid))
        let pipeline = try #require(loaded)
        let answer = { (status: Int, text: String) in FetchResponse(status: status, body: Data(text.utf8)) }
        let fetcher = RecordedFetcher(
            sequences: [
                "poll": [
                    answer(200, #"{"items": [{"id": "a", "at": 1}], "next": "p2"}"#),
                    FetchResponse(status: 503, body: Data(), headers: ["retry-after": "20"]),
                    answer(200, #"{"items": [{"id": "b", "at": 2}], "next": null}"#),
                ]
            ], keepingRequests: true)
        let context = TransformContext(environment: [:], fetcher: fetcher)
        let first = try await pipeline.poll(cursor: 0, context: context, pause: { _ in })
        #expect(first.items.map { $0["id"] } == ["a"])
        #expect(first.cursor == 1)
        #expect(first.morePages)
        #expect(first.interruption?.status == 503)
        #expect(first.interruption?.retryAfter == 20)
        let second = try await pipeline.poll(
            cursor: first.cursor, resume: first.resume, context: context, pause: { _ in })
        #expect(second.items.map { $0["id"] } == ["b"])
        #expect(second.interruption == nil)
        #expect(
            fetcher.recordedRequests.map(\.url).suffix(2) == [
                "https://api.example.com/contacts?since=0&page=p2", "https://api.example.com/contacts?since=0&page=p2",
            ])
    }
}
