import BridgeCore
import Foundation

/// A Zoho CRM Notification API channel, as a `zoho` pipeline with `token` and `channel_id` describes it, and
/// its registration (`POST {api-domain}/crm/v7/actions/watch`). A channel expires after at most a week:
/// `crisp-bridge zoho watch PIPELINE` registers or renews it by hand, and `serve` renews it before it expires.
///
/// Where each part comes from:
/// - `channel_id`, `token`: the pipeline's `verify.zoho` settings (so the callback check and the
///   registration cannot disagree);
/// - `notify_url`: the public base URL (`--public-url`, else `BRIDGE_PUBLIC_URL`) + the pipeline's path, with
///   `?PARAMETER=VALUE` when the pipeline also checks a `parameter`;
/// - the API domain: `ZOHO_API_DOMAIN` (default `https://www.zohoapis.com`; `.eu`, `.in`, `.com.au`… by data
///   centre); the OAuth access token: a fresh one from a refresh token before each registration when
///   `ZOHO_REFRESH_TOKEN`, `ZOHO_CLIENT_ID` and `ZOHO_CLIENT_SECRET` are set (`POST {ZOHO_ACCOUNTS_URL}/oauth/v2/token`,
///   default `https://accounts.zoho.com`), else `ZOHO_ACCESS_TOKEN` as it is (scope `ZohoCRM.notifications.ALL`);
/// - the events: `ZOHO_WATCH_EVENTS`, comma-separated (default `Leads.create`).
public struct ZohoChannel: Sendable, Hashable {
    public let pipeline: String
    public let apiDomain: String
    public let channelID: String
    public let token: String
    public let events: [String]
    public let notifyURL: String
    let accessToken: String
    /// The OAuth refresh grant (`refresh_token`, `client_id`, `client_secret`) and where it is exchanged: the
    /// same grant a pipeline's `auth.oauth2` gives, exchanged by the same rule (`OAuth2Credentials`).
    let refresh: OAuth2Credentials?

    public static func == (a: ZohoChannel, b: ZohoChannel) -> Bool {
        a.pipeline == b.pipeline && a.apiDomain == b.apiDomain && a.channelID == b.channelID && a.token == b.token
            && a.events == b.events && a.notifyURL == b.notifyURL && a.accessToken == b.accessToken
            && a.refresh == b.refresh
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pipeline)
        hasher.combine(channelID)
        hasher.combine(notifyURL)
    }

    /// How long a registration asks for: a week less an hour (Zoho's most is a week; over it, Zoho gives an hour).
    public static let lifetime: TimeInterval = 7 * 86_400 - 3600
    public static let defaultAPIDomain = "https://www.zohoapis.com"

    /// Why a pipeline's channel cannot be registered.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The channel of `pipeline`, or why there is none.
    public init(pipeline: Pipeline, environment: [String: String], publicURL: String?) throws(Problem) {
        guard pipeline.trigger.sender.name == "zoho", pipeline.trigger.givesSetting("token") else {
            throw Problem(
                description:
                    "pipeline \(pipeline.name) has no Notification API channel (its verify: is not zoho with token and channel_id)"
            )
        }
        let settings = pipeline.verifySettings(environment: environment)
        guard let channel = Self.first(settings["channel_id"]), let token = Self.first(settings["token"]) else {
            let names =
                (pipeline.environmentNames(ofSetting: "channel_id")
                    + pipeline.environmentNames(ofSetting: "token"))
            throw Problem(
                description:
                    "pipeline \(pipeline.name): verify.zoho channel_id or token is empty\(names.isEmpty ? "" : " (set \(names.joined(separator: ", ")))")"
            )
        }
        guard token.count <= 50 else {
            throw Problem(description: "pipeline \(pipeline.name): Zoho takes a token of at most 50 characters")
        }
        let base = (publicURL ?? environment["BRIDGE_PUBLIC_URL"] ?? "").trimmingCharacters(in: .whitespaces)
        guard FetchOrigin(url: base) != nil else {
            throw Problem(
                description:
                    "no public URL to give Zoho as notify_url: start with --public-url https://<your host> (or set BRIDGE_PUBLIC_URL)"
            )
        }
        guard !pipeline.trigger.path.contains("{") else {
            throw Problem(
                description: "pipeline \(pipeline.name): a path with route parameters has no single notify_url")
        }
        var notify = (base.hasSuffix("/") ? String(base.dropLast()) : base) + pipeline.trigger.path
        if let parameter = Self.first(settings["parameter"]), let value = Self.first(settings["value"]) {
            notify += "?" + Self.formEncode(parameter) + "=" + Self.formEncode(value)
        }
        let grant = ["ZOHO_REFRESH_TOKEN", "ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET"].map {
            environment[$0] ?? ""
        }
        let access = environment["ZOHO_ACCESS_TOKEN"] ?? ""
        if grant.allSatisfy({ !$0.isEmpty }) {
            var accounts = environment["ZOHO_ACCOUNTS_URL"] ?? ""
            if accounts.isEmpty { accounts = "https://accounts.zoho.com" }
            while accounts.hasSuffix("/") { accounts.removeLast() }
            guard FetchOrigin(url: accounts) != nil else {
                throw Problem(description: "ZOHO_ACCOUNTS_URL is not a URL: \(accounts)")
            }
            refresh = OAuth2Credentials(
                tokenURL: accounts + "/oauth/v2/token", clientID: grant[1], clientSecret: grant[2],
                refreshToken: grant[0], scheme: "Zoho-oauthtoken")
        } else if access.isEmpty {
            throw Problem(
                description:
                    "set ZOHO_REFRESH_TOKEN, ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET (a fresh access token each time), or ZOHO_ACCESS_TOKEN (an OAuth token with ZohoCRM.notifications.ALL)"
            )
        } else {
            refresh = nil
        }
        var domain = (environment["ZOHO_API_DOMAIN"] ?? "").trimmingCharacters(in: .whitespaces)
        if domain.isEmpty { domain = Self.defaultAPIDomain }
        if !domain.contains("://") { domain = "https://" + domain }
        while domain.hasSuffix("/") { domain.removeLast() }
        guard FetchOrigin(url: domain) != nil else {
            throw Problem(description: "ZOHO_API_DOMAIN is not a URL: \(domain)")
        }
        let events = (environment["ZOHO_WATCH_EVENTS"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter {
            !$0.isEmpty
        }
        self.pipeline = pipeline.name
        self.apiDomain = domain
        self.channelID = channel
        self.token = token
        self.events = events.isEmpty ? ["Leads.create"] : events
        self.notifyURL = notify
        self.accessToken = access
    }

    /// The `watch` request's URL.
    public var watchURL: String { apiDomain + "/crm/v7/actions/watch" }

    /// The `watch` request's JSON body, asking for the channel until `expiry`.
    public func watchBody(expiry: Date) -> JSONValue {
        let id: JSONValue =
            channelID.allSatisfy(\.isASCII) && channelID.allSatisfy(\.isNumber) && channelID.count < 16
            ? .number(Double(channelID) ?? 0) : .string(channelID)
        return [
            "watch": [
                [
                    "channel_id": id, "events": .array(events.map(JSONValue.string)),
                    "channel_expiry": .string(Self.format(expiry)), "token": .string(token),
                    "notify_url": .string(notifyURL),
                ]
            ]
        ]
    }

    /// Registers (or renews) the channel until `expiry`; returns the expiry Zoho confirmed (the one asked for
    /// when the answer does not say). Throws a `Problem` naming Zoho's code or the HTTP status.
    public func register(expiry: Date, fetcher: some Fetcher) async throws -> Date {
        let access = try await currentAccessToken(fetcher: fetcher)
        let request = FetchRequest(
            name: "zoho watch", method: "POST", url: watchURL,
            headers: ["authorization": "Zoho-oauthtoken \(access)", "content-type": "application/json"],
            body: Data(watchBody(expiry: expiry).jsonText.utf8), origin: FetchOrigin(url: watchURL))
        let response = try await fetcher.fetch(request)
        let answer = try? JSONValue.parse(response.body)
        let first = answer?["watch"].arrayValue?.first
        guard (200..<300).contains(response.status), first?["status"].stringValue?.lowercased() != "error" else {
            let code = first?["code"].stringValue ?? answer?["code"].stringValue
            let message = first?["message"].stringValue ?? answer?["message"].stringValue
            let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
            throw Problem(
                description:
                    "POST \(watchURL) answered \(response.status)\(detail.isEmpty ? "" : " (\(detail.prefix(300)))")")
        }
        let confirmed = first?["details"]["events"].arrayValue?.compactMap { $0["channel_expiry"].stringValue }.first
        return confirmed.flatMap(Self.parse) ?? expiry
    }

    /// The access token to use now: exchanged from the refresh token when one is set (an access token lasts an
    /// hour, a channel a week), else `ZOHO_ACCESS_TOKEN`.
    func currentAccessToken(fetcher: some Fetcher) async throws -> String {
        guard let refresh else { return accessToken }
        let url = refresh.tokenURL
        let request = FetchRequest(
            name: "zoho token", method: "POST", url: url,
            headers: ["content-type": "application/x-www-form-urlencoded"], body: Data(refresh.tokenForm.utf8),
            origin: FetchOrigin(url: url))
        let response = try await fetcher.fetch(request)
        let answer = try? JSONValue.parse(response.body)
        guard (200..<300).contains(response.status), let token = answer?["access_token"].stringValue, !token.isEmpty
        else {
            let error = answer?["error"].stringValue.map { " (\($0.prefix(100)))" } ?? ""
            throw Problem(description: "POST \(url) answered \(response.status)\(error): no access token")
        }
        return token
    }

    /// Zoho's date-time form: `2025-06-19T10:41:07+00:00`.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withColonSeparatorInTimeZone]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    private static func first(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)? where !s.isEmpty: s
        case .number(let n)?: JSONValue.format(number: n)
        case .array(let items)?: items.lazy.compactMap { first($0) }.first
        default: nil
        }
    }

    private static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
