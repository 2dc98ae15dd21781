import BridgeCore
import Foundation
import Testing

@testable import BridgeRuntime

@Suite struct ParsedRequestCacheTests {
    @Test func aBatchIsParsedOnceAndOldRequestsMakeRoom() throws {
        let (pipeline, diagnostics) = PipelineLoader.load(
            source: SourceFile(
                path: "p.yaml",
                text: """
                    trigger:
                      webhook: { path: /x, verify: none }
                      each: body
                    actions:
                      - crisp.event: { email: "${{ event.email }}", text: t }
                    """))
        let p = try #require(pipeline, "\(diagnostics)")
        let cache = ParsedRequestCache(capacity: 2)
        for id in Int64(1)...3 {
            let webhook = WebhookRequest(
                path: "/x", headers: ["content-type": "application/json"],
                body: Data(#"[{"email": "a\#(id)@x.io"}]"#.utf8))
            let accepted = try p.accept(webhook, context: TransformContext(environment: [:])).get()
            cache.insert(.init(webhook: webhook, accepted: accepted, version: p.version), for: id)
        }
        #expect(cache[1] == nil, "the oldest made room")
        #expect(cache[2]?.accepted.events.first?.value["email"] == "a2@x.io")
        #expect(cache[3]?.accepted.events.first?.value["email"] == "a3@x.io")
    }
}
