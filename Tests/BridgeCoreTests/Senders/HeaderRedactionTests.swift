import Foundation
import Testing

@testable import BridgeCore

/// Credential names are found by their words, in ASCII header names and in any other name alike.
@Suite struct HeaderRedactionTests {
    @Test func namesSplitIntoLowerCaseWords() {
        let cases: [(String, [String])] = [
            ("X-Hub-Signature-256", ["x", "hub", "signature"]),
            ("accessToken", ["access", "token"]),
            ("x_api_key", ["x", "api", "key"]),
            ("APIKey", ["apikey"]),
            ("HTTPHeader", ["httpheader"]),
            ("content-type", ["content", "type"]),
            ("a.b c", ["a", "b", "c"]),
            ("--", []),
            ("", []),
            ("clé-Secrète", ["clé", "secrète"]),
            ("ÉtéToken", ["été", "token"]),
        ]
        for (name, words) in cases {
            #expect(HeaderRedaction.words(of: name) == words, "\(name)")
        }
    }

    @Test func credentialsAreRedactedAndOtherHeadersKept() {
        let headers = [
            "authorization": "Basic abc", "x-hub-signature-256": "sha256=1", "x-api-key": "k", "keyword": "swift",
            "author": "ada", "content-type": "application/json", "x-shop-token": "t", "x-custom": "c",
        ]
        let redacted = HeaderRedaction.redact(headers, senderNames: ["X-Custom"])
        #expect(redacted["authorization"] == HeaderRedaction.placeholder)
        #expect(redacted["x-hub-signature-256"] == HeaderRedaction.placeholder)
        #expect(redacted["x-api-key"] == HeaderRedaction.placeholder)
        #expect(redacted["x-shop-token"] == HeaderRedaction.placeholder)
        #expect(redacted["x-custom"] == HeaderRedaction.placeholder)
        #expect(redacted["keyword"] == "swift")
        #expect(redacted["author"] == "ada")
        #expect(redacted["content-type"] == "application/json")
    }
}
