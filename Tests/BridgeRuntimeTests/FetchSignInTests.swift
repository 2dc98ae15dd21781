import BridgeCore
import BridgeRuntime
import Foundation
import Synchronization
import Testing
import _CryptoExtras

/// The runtime's fetcher signing calls in, against local stand-ins of the token endpoints and APIs (real HTTP on
/// loopback): a fetch as a Google service account, and the OAuth 2 client-credentials grant (Microsoft Entra ID).
@Suite struct FetchSignInTests {
    /// A fetch with `auth.google_service_account`: one token (a JWT bearer grant) serves the calls until the API
    /// refuses it; then a new one is had and the call is sent again, once.
    @Test func aFetchSignsInAsAServiceAccount() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let publicKey = key.publicKey
        let issued = Mutex(0)
        let revoked = Mutex<String?>(nil)
        let api = try await StandInAPI.start(answering: { request in
            if request.path == "/token" {
                let form = Dictionary(WebhookRequest.decodeForm(request.body), uniquingKeysWith: { $1 })
                guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    let jwt = form["assertion"], PollTests.verify(jwt, with: publicKey),
                    PollTests.claims(of: jwt)?["scope"] == "https://www.googleapis.com/auth/spreadsheets"
                else { return StandInAPI.Answer(status: 400, body: #"{"error":"invalid_grant"}"#) }
                let n = issued.withLock {
                    $0 += 1
                    return $0
                }
                return StandInAPI.Answer(body: #"{"access_token":"ya29.t\#(n)","expires_in":3599}"#)
            }
            guard let authorization = request.authorization, authorization.hasPrefix("Bearer ya29.t"),
                authorization != revoked.withLock({ $0 })
            else { return StandInAPI.Answer(status: 401, body: #"{"error":{"code":401}}"#) }
            return StandInAPI.Answer(body: #"{"values":[["Email"],["ada@example.com"]]}"#)
        })
        defer { Task { await api.stop() } }
        let folder = NSTemporaryDirectory() + "crisp-bridge-fetch-key-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keyJSON: JSONValue = [
            "type": "service_account", "private_key_id": "k1", "private_key": .string(key.pkcs8PEMRepresentation),
            "client_email": "sheet@project.iam.gserviceaccount.com", "token_uri": .string(api.baseURL + "/token"),
        ]
        try keyJSON.jsonText.write(toFile: folder + "/key.json", atomically: true, encoding: .utf8)

        let fetcher = HTTPFetcher()
        defer { Task { try await fetcher.shutdown() } }
        var request = FetchRequest(
            name: "rows", method: "GET", url: api.baseURL + "/v4/spreadsheets/s/values/A:A",
            origin: FetchOrigin(url: api.baseURL))
        request.serviceAccount = ServiceAccountGrant(
            keyFile: folder + "/key.json", scopes: ["https://www.googleapis.com/auth/spreadsheets"])
        for _ in 0..<2 {
            let answer = try await fetcher.fetch(request)
            #expect(answer.status == 200)
        }
        #expect(issued.withLock { $0 } == 1, "one token serves both calls")
        #expect(
            api.requests.filter { $0.path.hasPrefix("/v4/") }.map(\.authorization) == [
                "Bearer ya29.t1", "Bearer ya29.t1",
            ])

        revoked.withLock { $0 = "Bearer ya29.t1" }
        let renewed = try await fetcher.fetch(request)
        #expect(renewed.status == 200)
        #expect(issued.withLock { $0 } == 2)
        #expect(api.requests.last?.authorization == "Bearer ya29.t2")

        // A key file that is not there fails the fetch (retried later, as it may be put back), saying which file.
        request.serviceAccount?.keyFile = folder + "/missing.json"
        await #expect {
            _ = try await fetcher.fetch(request)
        } throws: { error in
            !(error is BridgeCoreError)
                && "\(error)".contains("cannot read the service account key file \(folder)/missing.json")
        }
    }

    /// `auth.oauth2` without a refresh token: the client-credentials grant (RFC 6749 §4.4), as Microsoft Entra ID
    /// takes it for the Dataverse Web API; one token for a burst of calls.
    @Test func oauth2WithoutARefreshTokenUsesTheClientCredentialsGrant() async throws {
        let forms = Mutex<[[String: String]]>([])
        let api = try await StandInAPI.start(answering: { request in
            if request.path == "/tenant/oauth2/v2.0/token" {
                let form = Dictionary(WebhookRequest.decodeForm(request.body), uniquingKeysWith: { $1 })
                forms.withLock { $0.append(form) }
                guard form["grant_type"] == "client_credentials", form["client_secret"] == "s3cret" else {
                    return StandInAPI.Answer(status: 400, body: #"{"error":"invalid_client"}"#)
                }
                return StandInAPI.Answer(body: #"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ.entra"}"#)
            }
            guard request.authorization == "Bearer eyJ.entra" else { return StandInAPI.Answer(status: 401) }
            return StandInAPI.Answer(body: #"{"emailaddress1":"ada@example.com"}"#)
        })
        defer { Task { await api.stop() } }
        let fetcher = HTTPFetcher()
        defer { Task { try await fetcher.shutdown() } }
        var request = FetchRequest(
            name: "contact", method: "GET", url: api.baseURL + "/api/data/v9.2/contacts(1)",
            origin: FetchOrigin(url: api.baseURL))
        request.oauth2 = OAuth2Credentials(
            tokenURL: api.baseURL + "/tenant/oauth2/v2.0/token", clientID: "app-1", clientSecret: "s3cret",
            refreshToken: nil, scope: "https://org.crm4.dynamics.com/.default")
        let call = request
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<5 { group.addTask { try await fetcher.fetch(call).status } }
            for try await status in group { #expect(status == 200) }
        }
        let sent = forms.withLock { $0 }
        #expect(sent.count == 1, "a burst of calls costs one token request")
        #expect(
            sent.first == [
                "grant_type": "client_credentials", "client_id": "app-1", "client_secret": "s3cret",
                "scope": "https://org.crm4.dynamics.com/.default",
            ])
        #expect(sent.first?["refresh_token"] == nil)
    }
}
