import BridgeCore
import BridgeRuntime
import Foundation
import Synchronization
import Testing

/// Zoho CRM through a local stand-in of its API: `crisp-bridge zoho watch` registers the Notification API
/// channel, `serve` renews it before it expires, and a callback with three ids gives three profiles.
extension ProcessTests {
    @Suite struct ZohoServeTests {
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path

        /// The ready pipeline, its fetch pointed at the stand-in (fetch URLs have a literal scheme and host).
        static func notificationPipeline(api: String) throws -> String {
            let text = try String(
                contentsOfFile: repository + "/pipelines/zoho-lead-notification.yaml", encoding: .utf8)
            #expect(text.contains("https://www.zohoapis.com/crm/v7/Leads/"))
            return text.replacingOccurrences(of: "https://www.zohoapis.com", with: api)
        }

        static let environment = [
            "ZOHO_CHANNEL_ID": "1000000068001", "ZOHO_CHANNEL_TOKEN": "crisp-bridge-7f3a9c2e41",
            "ZOHO_ACCESS_TOKEN": "zoho-access-token",
        ]

        static func zohoTime(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
        }

        /// Zoho's answer to a watch request, confirming `expiry`.
        static func watchAnswer(_ expiry: Date) -> StandInAPI.Answer {
            .init(
                body: """
                    {"watch":[{"code":"SUCCESS","details":{"events":[{"channel_expiry":"\(zohoTime(expiry))","resource_uri":"https://www.zohoapis.com/crm/v7/Leads","resource_id":"5725767000000002175","resource_name":"Leads","channel_id":"1000000068001"}]},"message":"Successfully subscribed for actions-watch of the given module","status":"success"}]}
                    """)
        }

        static func lead(_ id: String, email: String, first: String) -> String {
            """
            {"data":[{"id":"\(id)","Email":"\(email)","First_Name":"\(first)","Last_Name":"Lead","Company":"Example Ltd",
              "Country":"United Kingdom","Phone":"+44 20 7946 0018","Lead_Source":"Web Download","Lead_Status":"Not Contacted",
              "Owner":{"name":"Grace Hopper","id":"5725767000000411001","email":"grace@example.com"}}]}
            """
        }

        /// An access token lasts an hour and a channel a week: with a refresh token, each registration first
        /// gets a fresh access token.
        @Test func zohoWatchUsesAFreshAccessTokenFromTheRefreshToken() async throws {
            let api = try await StandInAPI.start(answering: { received in
                switch received.path {
                case "/oauth/v2/token":
                    return .init(
                        body: #"{"access_token":"fresh-access-token","expires_in":3600,"token_type":"Bearer"}"#)
                case "/crm/v7/actions/watch": return Self.watchAnswer(Date().addingTimeInterval(6 * 86_400))
                default: return .init(status: 404, body: "{}")
                }
            })
            let folder = NSTemporaryDirectory() + "crisp-bridge-zoho-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try Self.notificationPipeline(api: api.baseURL).write(
                toFile: folder + "/zoho-lead-notification.yaml", atomically: true, encoding: .utf8)
            let watch = try ChildProcess(
                [
                    "zoho", "watch", "zoho-lead-notification", "--pipelines", folder, "--public-url",
                    "https://bridge.example.com",
                ],
                environment: Self.environment.merging([
                    "ZOHO_API_DOMAIN": api.baseURL, "ZOHO_ACCOUNTS_URL": api.baseURL, "ZOHO_ACCESS_TOKEN": "",
                    "ZOHO_REFRESH_TOKEN": "1000.refresh", "ZOHO_CLIENT_ID": "1000.client",
                    "ZOHO_CLIENT_SECRET": "client-secret",
                ]) { $1 })
            #expect(try await watch.waitForExit() == 0, "\(watch.output)")
            let requests = api.requests
            #expect(requests.map(\.path) == ["/oauth/v2/token", "/crm/v7/actions/watch"])
            let grant = try #require(requests.first)
            #expect(grant.method == "POST")
            #expect(
                grant.body.contains("grant_type=refresh_token") && grant.body.contains("refresh_token=1000.refresh"))
            #expect(grant.body.contains("client_id=1000.client") && grant.body.contains("client_secret=client-secret"))
            #expect(requests.last?.authorization == "Zoho-oauthtoken fresh-access-token")
            #expect(!watch.output.contains("client-secret") && !watch.output.contains("fresh-access-token"))
        }

        @Test func zohoWatchRegistersTheChannel() async throws {
            let api = try await StandInAPI.start(answering: { received in
                received.path == "/crm/v7/actions/watch"
                    ? Self.watchAnswer(Date().addingTimeInterval(6 * 86_400))
                    : .init(status: 404, body: #"{"code":"INVALID_URL_PATTERN","status":"error"}"#)
            })
            let folder = NSTemporaryDirectory() + "crisp-bridge-zoho-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try Self.notificationPipeline(api: api.baseURL).write(
                toFile: folder + "/zoho-lead-notification.yaml", atomically: true, encoding: .utf8)
            let before = Date()
            let watch = try ChildProcess(
                [
                    "zoho", "watch", "zoho-lead-notification", "--pipelines", folder, "--public-url",
                    "https://bridge.example.com/",
                ],
                environment: Self.environment.merging(["ZOHO_API_DOMAIN": api.baseURL]) { $1 })
            #expect(try await watch.waitForExit() == 0, "\(watch.output)")
            #expect(watch.output.contains("Zoho channel 1000000068001 registered until"), "\(watch.output)")
            #expect(!watch.output.contains("crisp-bridge-7f3a9c2e41"), "the token is not printed")
            let requests = api.requests
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/crm/v7/actions/watch")
            #expect(request.authorization == "Zoho-oauthtoken zoho-access-token")
            #expect(request.contentType == "application/json")
            let body = try JSONValue.parse(Data(request.body.utf8))
            let item = body["watch"][0]
            #expect(item["channel_id"] == .number(1_000_000_068_001))
            #expect(item["events"] == ["Leads.create"])
            #expect(item["token"] == "crisp-bridge-7f3a9c2e41")
            #expect(item["notify_url"] == "https://bridge.example.com/hooks/zoho-notification")
            let expiry = try #require(ISO8601DateFormatter().date(from: item["channel_expiry"].stringValue ?? ""))
            #expect(expiry > before.addingTimeInterval(6 * 86_400) && expiry <= Date().addingTimeInterval(7 * 86_400))

            // Zoho's refusal is reported with its code, and the exit status says so.
            let refused = try ChildProcess(
                [
                    "zoho", "watch", "zoho-lead-notification", "--pipelines", folder, "--public-url",
                    "https://bridge.example.com",
                ],
                environment: Self.environment.merging(["ZOHO_API_DOMAIN": api.baseURL + "/nowhere"]) { $1 })
            #expect(try await refused.waitForExit() != 0)
            #expect(refused.output.contains("answered 404 (INVALID_URL_PATTERN)"), "\(refused.output)")
            // Without a public URL there is no notify_url.
            let noURL = try ChildProcess(
                ["zoho", "watch", "zoho-lead-notification", "--pipelines", folder],
                environment: Self.environment.merging(["ZOHO_API_DOMAIN": api.baseURL, "BRIDGE_PUBLIC_URL": ""]) { $1 })
            #expect(try await noURL.waitForExit() != 0)
            #expect(noURL.output.contains("--public-url"), "\(noURL.output)")
            await api.stop()
        }

        /// `--dry-run` prints the request without its secrets: neither the token nor the notify URL's key.
        @Test func zohoWatchDryRunShowsNoSecret() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-zoho-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let pipeline = try Self.notificationPipeline(api: "https://zoho.example.com").replacingOccurrences(
                of: "        token: ${{ env.ZOHO_CHANNEL_TOKEN }}",
                with:
                    "        parameter: bridge\n        value: url-key-0f3c9a\n        token: ${{ env.ZOHO_CHANNEL_TOKEN }}"
            )
            #expect(pipeline.contains("url-key-0f3c9a"))
            try pipeline.write(toFile: folder + "/zoho-lead-notification.yaml", atomically: true, encoding: .utf8)
            let dry = try ChildProcess(
                [
                    "zoho", "watch", "zoho-lead-notification", "--pipelines", folder, "--public-url",
                    "https://bridge.example.com", "--dry-run",
                ],
                environment: Self.environment)
            #expect(try await dry.waitForExit() == 0, "\(dry.output)")
            #expect(
                dry.output.contains("https://bridge.example.com/hooks/zoho-notification?bridge=redacted"),
                "\(dry.output)")
            #expect(!dry.output.contains("url-key-0f3c9a"), "\(dry.output)")
            #expect(!dry.output.contains("crisp-bridge-7f3a9c2e41"), "\(dry.output)")
        }

        /// Zoho's access tokens last an hour (two seconds here): with the refresh grant set, the lead fetch takes a
        /// fresh token from Zoho's accounts server when the old one runs out — one exchange per expiry, shared by
        /// the events that need it, not one per event — and a token Zoho refuses early is exchanged once more.
        @Test func leadsAreFetchedWithAFreshTokenOncePerExpiry() async throws {
            let desk = TokenDesk()
            let api = try await StandInAPI.start(answering: { received in
                if received.path == "/oauth/v2/token" {
                    let token = desk.issue(lasting: 2)
                    return .init(
                        body:
                            #"{"access_token":"\#(token)","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":2}"#
                    )
                }
                guard desk.accepts(received.authorization) else {
                    return .init(
                        status: 401,
                        body: #"{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}"#
                    )
                }
                let id = String(received.path.split(separator: "/").last ?? "")
                return .init(body: Self.lead(id, email: "lead-\(id.suffix(3))@example.com", first: "Lead"))
            })
            let h = try await InProcessBridge.start(
                pipelines: ["zoho-lead-notification": try Self.notificationPipeline(api: api.baseURL)],
                environment: [
                    "ZOHO_CHANNEL_ID": "1000000068001", "ZOHO_CHANNEL_TOKEN": "crisp-bridge-7f3a9c2e41",
                    "ZOHO_ACCOUNTS_URL": api.baseURL, "ZOHO_CLIENT_ID": "1000.client-id",
                    "ZOHO_CLIENT_SECRET": "client-secret-9f8e", "ZOHO_REFRESH_TOKEN": "1000.refresh-token-77",
                ])
            func notify(_ ids: [String]) async throws {
                let list = ids.map { "\"57257670000043120\($0)\"" }.joined(separator: ",")
                let callback =
                    #"{"module":"Leads","ids":[\#(list)],"operation":"insert","channel_id":"1000000068001","token":"crisp-bridge-7f3a9c2e41"}"#
                let answer = try await h.send(
                    "/hooks/zoho-notification", body: Data(callback.utf8), headers: ["Content-Type": "application/json"]
                )
                #expect(answer.status == 202)
                let emails = ids.map { "lead-0\($0)@example.com" }
                let delivered = try await h.eventually {
                    let people = try await h.sandboxPeople()
                    return emails.allSatisfy { people[$0]?.events == 1 }
                }
                let people = try await h.sandboxPeople().keys.sorted()
                #expect(delivered, "\(people)")
            }
            let exchanges = { api.requests.filter { $0.path == "/oauth/v2/token" } }
            try await notify(["01", "02", "03", "04"])
            #expect(exchanges().count == 1, "four events, one token")
            try await Task.sleep(for: .milliseconds(2_300))  // the token runs out
            try await notify(["05", "06", "07"])
            #expect(exchanges().count == 2, "one more exchange after the expiry")
            #expect(desk.refused == 0, "the token was renewed before Zoho refused it")
            // Zoho refuses a token before its time (revoked): the fetch exchanges once more and goes on.
            desk.revokeAll()
            try await notify(["08"])
            #expect(exchanges().count == 3)
            #expect(desk.refused == 1)
            let form = try #require(exchanges().first)
            #expect(form.contentType == "application/x-www-form-urlencoded")
            #expect(
                form.body
                    == "grant_type=refresh_token&refresh_token=1000.refresh-token-77&client_id=1000.client-id&client_secret=client-secret-9f8e"
            )
            let fetched = api.requests.filter { $0.path.hasPrefix("/crm/v7/Leads/") }
            #expect(fetched.count == 9, "eight leads, one of them asked twice (refused, then with a fresh token)")
            // Neither the refresh token, the client secret nor an access token is kept with the events.
            for id in 1...3 {
                let stored = try #require(try await h.store.request(Int64(id)))
                let text = String(decoding: stored.webhook.body, as: UTF8.self) + "\(stored.webhook.headers)"
                #expect(
                    !text.contains("refresh-token-77") && !text.contains("client-secret")
                        && !text.contains("1000.access"))
            }
            await h.stop()
            await api.stop()
        }

        /// Zoho's accounts server as the stand-in plays it: access tokens issued with a lifetime, checked, revoked.
        final class TokenDesk: Sendable {
            private let tokens = Mutex<[(token: String, until: Date)]>([])
            private let refusals = Mutex(0)

            func issue(lasting seconds: Double) -> String {
                tokens.withLock { tokens in
                    tokens.append(("1000.access-\(tokens.count + 1)", Date().addingTimeInterval(seconds)))
                    return tokens[tokens.count - 1].token
                }
            }

            /// Whether `authorization` carries a token still valid; a refusal is counted.
            func accepts(_ authorization: String?) -> Bool {
                let valid = tokens.withLock { tokens in
                    tokens.contains { "Zoho-oauthtoken \($0.token)" == authorization && $0.until > Date() }
                }
                if !valid { refusals.withLock { $0 += 1 } }
                return valid
            }

            func revokeAll() {
                tokens.withLock { tokens in tokens = tokens.map { ($0.token, Date.distantPast) } }
            }

            var refused: Int { refusals.withLock { $0 } }
        }

        @Test func serveRenewsTheChannelAndANotificationWithThreeIdsGivesThreeProfiles() async throws {
            let leads = [
                "5725767000004312001": Self.lead("5725767000004312001", email: "Ada@Example.com", first: "Ada"),
                "5725767000004312002": Self.lead("5725767000004312002", email: "priya@example.com", first: "Priya"),
                "5725767000004312003": Self.lead("5725767000004312003", email: "grace@example.com", first: "Grace"),
            ]
            let api = try await StandInAPI.start(answering: { received in
                if received.path == "/crm/v7/actions/watch" {
                    // A channel of two seconds: serve must register it again before it runs out.
                    return Self.watchAnswer(Date().addingTimeInterval(2))
                }
                let id = String(received.path.split(separator: "/").last ?? "")
                guard received.path.hasPrefix("/crm/v7/Leads/"), let lead = leads[id] else {
                    return .init(status: 404, body: "{}")
                }
                return .init(body: lead)
            })
            let h = try await InProcessBridge.start(
                pipelines: ["zoho-lead-notification": try Self.notificationPipeline(api: api.baseURL)],
                environment: Self.environment.merging(["ZOHO_API_DOMAIN": api.baseURL]) { $1 }
            ) { options, _ in
                options.publicURL = "https://bridge.example.com"
                options.zohoCheckInterval = 0.2
                options.zohoRenewBefore = 1
            }
            let watches = { api.requests.filter { $0.path == "/crm/v7/actions/watch" } }
            let renewed = try await h.eventually(timeout: .seconds(10)) { watches().count >= 2 }
            #expect(renewed, "\(watches().count) watch request(s)")
            #expect(watches().count < 10, "not renewed in a loop")

            let callback = Data(
                """
                {"server_time":1749721329204,"query_params":{},"module":"Leads","resource_uri":"https://www.zohoapis.com/crm/v7/Leads","ids":["5725767000004312001","5725767000004312002","5725767000004312003"],"affected_fields":[],"operation":"insert","channel_id":"1000000068001","token":"crisp-bridge-7f3a9c2e41"}
                """.utf8)
            let json = ["Content-Type": "application/json"]
            let wrong = String(decoding: callback, as: UTF8.self).replacingOccurrences(
                of: "crisp-bridge-7f3a9c2e41", with: "another-token")
            #expect(try await h.send("/hooks/zoho-notification", body: Data(wrong.utf8), headers: json).status == 401)
            let accepted = try await h.send("/hooks/zoho-notification", body: callback, headers: json)
            #expect(accepted.status == 202, "\(accepted.body)")
            let emails = ["ada@example.com", "priya@example.com", "grace@example.com"]
            let delivered = try await h.eventually {
                let people = try await h.sandboxPeople()
                return emails.allSatisfy { people[$0]?.events == 1 }
            }
            let people = try await h.sandboxPeople().keys.sorted()
            #expect(delivered, "\(people)")
            let fetched = api.requests.filter { $0.path.hasPrefix("/crm/v7/Leads/") }
            #expect(fetched.count == 3)
            #expect(fetched.allSatisfy { $0.authorization == "Zoho-oauthtoken zoho-access-token" })
            let stored = try #require(try await h.store.request(1))
            #expect(!String(decoding: stored.webhook.body, as: UTF8.self).contains("crisp-bridge-7f3a9c2e41"))
            await h.stop()
            await api.stop()
        }
    }
}
