import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation
import Logging
import Synchronization
import Testing
import _CryptoExtras

/// Polls against local stand-ins of the APIs (real HTTP on loopback) into a real SQLite store: pagination,
/// `start`, failures with `Retry-After`, and the service-account token flow.
@Suite struct PollTests {
    /// A stand-in of Notion's database query: `pages` of items, chained by `start_cursor`.
    final class NotionStandIn: Sendable {
        let pages = Mutex<[[JSONValue]]>([])
        let failure = Mutex<StandInAPI.Answer?>(nil)

        func answer(_ request: StandInAPI.Received) -> StandInAPI.Answer {
            if let failure = failure.withLock({ $0 }) { return failure }
            let body = (try? JSONValue.parse(request.body)) ?? .null
            let index = body["start_cursor"].stringValue.flatMap { Int($0.dropFirst(5)) } ?? 0
            let pages = pages.withLock { $0 }
            let page = index < pages.count ? pages[index] : []
            let more = index + 1 < pages.count
            let answer: JSONValue = [
                "object": "list", "results": .array(page), "has_more": .bool(more),
                "next_cursor": more ? .string("page-\(index + 1)") : .null,
            ]
            return StandInAPI.Answer(body: answer.jsonText)
        }

        static func page(_ id: String, minute: Int) -> JSONValue {
            [
                "object": "page", "id": .string(id),
                "created_time": .string(String(format: "2025-06-12T10:%02d:00.000Z", minute)),
                "properties": ["Email": ["type": "email", "email": .string("\(id)@example.com")]],
            ]
        }
    }

    static func notionPipeline(_ base: String, start: String = "beginning") -> String {
        """
        name: notion-poll
        trigger:
          poll:
            every: 1m
            start: \(start)
            rate: 20/s
            request:
              method: POST
              url: \(base)/v1/databases/db-1/query
              headers: { authorization: "Bearer ${{ env.NOTION_TOKEN }}", notion-version: "2022-06-28" }
              body:
                filter: { timestamp: created_time, created_time: { on_or_after: "${{ cursor ?? polled_at }}" } }
                sorts: [{ timestamp: created_time, direction: ascending }]
            items: answer.results
            id: event.id
            cursor: last(items).created_time ?? cursor ?? polled_at
            next: 'answer.has_more ? { start_cursor: answer.next_cursor } : null'
        actions:
          - crisp.profile: { email: "${{ email(notion_properties(event).Email) }}" }
        """
    }

    struct Setup {
        let store: SQLiteBridgeStore
        let poller: Poller
        let folder: String
    }

    static func setup(
        _ text: String, environment: [String: String] = ["NOTION_TOKEN": "secret-notion-token"],
        tokens: ServiceAccountTokens? = nil
    )
        throws -> Setup
    {
        let folder = NSTemporaryDirectory() + "crisp-bridge-poll-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (pipeline, diagnostics) = PipelineLoader.load(source: SourceFile(path: "poll.yaml", text: text))
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        let store = try SQLiteBridgeStore(path: folder + "/bridge.sqlite")
        let context = TransformContext(environment: environment, fetcher: fetcher, verifySignatures: false)
        let poller = try Poller(
            pipeline: try #require(pipeline), store: store, context: context,
            tokens: tokens ?? ServiceAccountTokens(fetcher: fetcher), owner: "test", logger: Logger(label: "poll-test"))
        return Setup(store: store, poller: poller, folder: folder)
    }

    static let fetcher = HTTPFetcher()

    @Test func threePagesAreReadInOnePollAndStoredWithTheCursor() async throws {
        let notion = NotionStandIn()
        notion.pages.withLock {
            $0 = [
                [NotionStandIn.page("a", minute: 1), NotionStandIn.page("b", minute: 2)],
                [NotionStandIn.page("c", minute: 3), NotionStandIn.page("d", minute: 4)],
                [NotionStandIn.page("e", minute: 5)],
            ]
        }
        let api = try await StandInAPI.start(answering: notion.answer)
        defer { Task { await api.stop() } }
        let s = try Self.setup(Self.notionPipeline(api.baseURL))
        defer { try? FileManager.default.removeItem(atPath: s.folder) }

        let (report, _) = try await s.poller.pollIfDue(force: true)
        let result = try #require(report?.result)
        #expect(result.requests == 3)
        #expect(report?.stored.map(\.dedupeID) == ["a", "b", "c", "d", "e"])
        let bodies = api.requests.map { (try? JSONValue.parse($0.body)) ?? .null }
        #expect(bodies.map { $0["start_cursor"] } == [.null, "page-1", "page-2"])
        // Every page keeps the filter of the poll's cursor, and the token.
        #expect(Set(bodies.map { $0["filter"]["created_time"]["on_or_after"] }).count == 1)
        #expect(api.requests.allSatisfy { $0.authorization == "Bearer secret-notion-token" })
        let state = try #require(try await s.store.pollStates().first)
        #expect(state.cursor == "2025-06-12T10:05:00.000Z")
        #expect(try await s.store.counts(now: Date()).byStatus[.pending] == 5)
        // The item is the stored request's body: `event` is the page.
        let event = try #require(try await s.store.events(dedupeID: "c").first)
        let request = try #require(try await s.store.request(event.requestID))
        #expect(try JSONValue.parse(request.webhook.body)["id"] == "c")

        // The next poll asks from the cursor; what it lists again is not stored twice.
        notion.pages.withLock { $0 = [[NotionStandIn.page("e", minute: 5), NotionStandIn.page("f", minute: 6)]] }
        let (second, _) = try await s.poller.pollIfDue(force: true)
        #expect(second?.stored.map(\.duplicate) == [true, false])
        let last = try #require(api.requests.last.flatMap { try? JSONValue.parse($0.body) })
        #expect(last["filter"]["created_time"]["on_or_after"] == "2025-06-12T10:05:00.000Z")
        #expect(try await s.store.counts(now: Date()).byStatus[.pending] == 6)
    }

    @Test func startNowOnlyRecordsWhereThingsStandOnTheFirstPoll() async throws {
        let notion = NotionStandIn()
        notion.pages.withLock {
            $0 = [[NotionStandIn.page("old-1", minute: 1), NotionStandIn.page("old-2", minute: 2)]]
        }
        let api = try await StandInAPI.start(answering: notion.answer)
        defer { Task { await api.stop() } }
        let s = try Self.setup(Self.notionPipeline(api.baseURL, start: "now"))
        defer { try? FileManager.default.removeItem(atPath: s.folder) }

        let (first, _) = try await s.poller.pollIfDue(force: true)
        #expect(first?.result?.onlyRecorded == true)
        #expect(first?.result?.found == 2)
        #expect(first?.stored.isEmpty == true)
        #expect((try await s.store.counts(now: Date()).byStatus[.pending] ?? 0) == 0)
        #expect(try await s.store.pollStates().first?.cursor == "2025-06-12T10:02:00.000Z")

        notion.pages.withLock { $0 = [[NotionStandIn.page("new-1", minute: 3)]] }
        let (second, _) = try await s.poller.pollIfDue(force: true)
        #expect(second?.stored.map(\.dedupeID) == ["new-1"])
    }

    @Test func aRateLimitedPollKeepsItsCursorAndWaitsAsAsked() async throws {
        let notion = NotionStandIn()
        notion.pages.withLock { $0 = [[NotionStandIn.page("a", minute: 1)]] }
        let api = try await StandInAPI.start(answering: notion.answer)
        defer { Task { await api.stop() } }
        let s = try Self.setup(Self.notionPipeline(api.baseURL))
        defer { try? FileManager.default.removeItem(atPath: s.folder) }
        _ = try await s.poller.pollIfDue(force: true)

        notion.failure.withLock {
            $0 = StandInAPI.Answer(status: 429, body: #"{"code":"rate_limited"}"#, headers: ["Retry-After": "300"])
        }
        notion.pages.withLock { $0 = [[NotionStandIn.page("b", minute: 2)]] }
        let now = Date()
        let (report, next) = try await s.poller.pollIfDue(force: true, now: now)
        #expect(report?.failure?.status == 429)
        #expect(report?.failure?.retryAfter == 300)
        #expect(next.timeIntervalSince(now) >= 300)
        var state = try #require(try await s.store.pollStates().first)
        #expect(state.cursor == "2025-06-12T10:01:00.000Z")
        #expect(state.failures == 1)
        #expect(state.lastError?.contains("429") == true)
        #expect(state.lastError?.contains("secret-notion-token") == false)
        // Not due before the time it asked for.
        let (notDue, _) = try await s.poller.pollIfDue(now: now.addingTimeInterval(200))
        #expect(notDue == nil)

        notion.failure.withLock { $0 = nil }
        let (recovered, _) = try await s.poller.pollIfDue(now: now.addingTimeInterval(301))
        #expect(recovered?.stored.map(\.dedupeID) == ["b"])
        state = try #require(try await s.store.pollStates().first)
        #expect(state.failures == 0)
        #expect(state.cursor == "2025-06-12T10:02:00.000Z")
    }

    @Test func aServiceAccountKeyGetsATokenThatIsReusedUntilItExpires() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let publicKey = key.publicKey
        let issued = Mutex(0)
        let revoked = Mutex<String?>(nil)
        let api = try await StandInAPI.start(answering: { request in
            if request.path == "/token" {
                // Google's token endpoint: a JWT bearer grant, signed with the account's key (RS256).
                let form = Dictionary(WebhookRequest.decodeForm(request.body), uniquingKeysWith: { $1 })
                guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    let jwt = form["assertion"], Self.verify(jwt, with: publicKey),
                    let claims = Self.claims(of: jwt), claims["iss"] == "reader@project.iam.gserviceaccount.com",
                    claims["scope"] == "https://www.googleapis.com/auth/spreadsheets.readonly",
                    claims["aud"].stringValue?.hasSuffix("/token") == true,
                    let iat = claims["iat"].numberValue, claims["exp"].numberValue == iat + 3600
                else {
                    return StandInAPI.Answer(
                        status: 400, body: #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
                }
                let n = issued.withLock {
                    $0 += 1; return $0
                }
                return StandInAPI.Answer(
                    body: #"{"access_token":"ya29.token-\#(n)","expires_in":3599,"token_type":"Bearer"}"#)
            }
            guard request.authorization?.hasPrefix("Bearer ya29.token-") == true,
                request.authorization != revoked.withLock({ $0 })
            else {
                return StandInAPI.Answer(status: 401, body: #"{"error":{"code":401,"status":"UNAUTHENTICATED"}}"#)
            }
            return StandInAPI.Answer(
                body: #"{"range":"Leads!A1:B3","majorDimension":"ROWS","values":[["Email"],["ada@example.com"]]}"#)
        })
        defer { Task { await api.stop() } }
        let folder = NSTemporaryDirectory() + "crisp-bridge-key-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keyJSON: JSONValue = [
            "type": "service_account", "project_id": "project", "private_key_id": "k1",
            "private_key": .string(key.pkcs8PEMRepresentation),
            "client_email": "reader@project.iam.gserviceaccount.com", "token_uri": .string(api.baseURL + "/token"),
        ]
        try keyJSON.jsonText.write(toFile: folder + "/key.json", atomically: true, encoding: .utf8)
        let pipeline = """
            name: sheet-poll
            trigger:
              poll:
                every: 1m
                start: beginning
                auth:
                  google_service_account:
                    key_file: ${{ env.KEY_FILE }}
                    scopes: [https://www.googleapis.com/auth/spreadsheets.readonly]
                request:
                  url: \(api.baseURL)/v4/spreadsheets/sheet-1/values/${{ url_encode("Leads!A:Z") }}
                items: sheet_rows(answer.values, cursor)
                id: string(event._row)
                cursor: length(answer.values)
            actions:
              - crisp.profile: { email: "${{ email(event.Email) }}" }
            """
        let clock = Mutex(Date())
        let tokens = ServiceAccountTokens(fetcher: Self.fetcher, now: { clock.withLock { $0 } })
        let s = try Self.setup(pipeline, environment: ["KEY_FILE": folder + "/key.json"], tokens: tokens)
        defer { try? FileManager.default.removeItem(atPath: s.folder) }

        let (first, _) = try await s.poller.pollIfDue(force: true)
        #expect(first?.failure == nil, "\(first?.failure?.reason ?? "")")
        #expect(first?.stored.map(\.dedupeID) == ["2"])
        _ = try await s.poller.pollIfDue(force: true)
        #expect(issued.withLock { $0 } == 1)
        #expect(
            api.requests.filter { $0.path.hasPrefix("/v4/") }.map(\.authorization) == [
                "Bearer ya29.token-1", "Bearer ya29.token-1",
            ])
        #expect(api.requests.first { $0.path == "/token" }?.contentType == "application/x-www-form-urlencoded")
        // Within a minute of its expiry, a new token is fetched.
        clock.withLock { $0 = $0.addingTimeInterval(3560) }
        _ = try await s.poller.pollIfDue(force: true)
        #expect(issued.withLock { $0 } == 2)
        #expect(api.requests.last?.authorization == "Bearer ya29.token-2")

        // A token the API refuses (revoked) is dropped: the next poll gets a new one.
        revoked.withLock { $0 = "Bearer ya29.token-2" }
        let (refusedToken, _) = try await s.poller.pollIfDue(force: true)
        #expect(refusedToken?.failure?.status == 401)
        let (renewed, _) = try await s.poller.pollIfDue(force: true)
        #expect(renewed?.failure == nil)
        #expect(issued.withLock { $0 } == 3)

        // A key the token endpoint refuses fails the poll with Google's reason, and no secret.
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var wrong = keyJSON.objectValue ?? [:]
        wrong["private_key"] = .string(other.pkcs8PEMRepresentation)
        wrong["client_email"] = "other@project.iam.gserviceaccount.com"
        try JSONValue.object(wrong).jsonText.write(toFile: folder + "/key.json", atomically: true, encoding: .utf8)
        clock.withLock { $0 = $0.addingTimeInterval(7200) }
        let (refused, _) = try await s.poller.pollIfDue(force: true)
        let reason = try #require(refused?.failure?.reason)
        #expect(reason.contains("invalid_grant"))
        #expect(!reason.contains("PRIVATE KEY"))
    }

    static func verify(_ jwt: String, with key: _RSA.Signing.PublicKey) -> Bool {
        let parts = jwt.split(separator: ".").map(String.init)
        guard parts.count == 3, let header = decode(parts[0]), (try? JSONValue.parse(header))?["alg"] == "RS256",
            let signature = decode(parts[2])
        else { return false }
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data((parts[0] + "." + parts[1]).utf8),
            padding: .insecurePKCS1v1_5)
    }

    static func claims(of jwt: String) -> JSONValue? {
        let parts = jwt.split(separator: ".").map(String.init)
        return parts.count == 3 ? decode(parts[1]).flatMap { try? JSONValue.parse($0) } : nil
    }

    static func decode(_ base64URL: String) -> Data? {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }
}
