import Foundation
import Testing

@testable import BridgeCore

/// `Pipeline.planBatch` (a list body planned element by element) gives what `run` gives.
@Suite struct BatchPlanTests {
    static let pipeline = """
        name: batch
        trigger:
          webhook:
            path: /hooks/batch
            verify: { header: { name: x-key, value: k } }
          each: body
          id: event.id
          when: event.type != "ignored"
        let:
          email: email(event.email)
        actions:
          - crisp.profile:
              email: ${{ email }}
              person: { nickname: "${{ join([event.first, event.last], \\" \\") }}" }
          - crisp.data:
              email: ${{ email }}
              merge: { plan: "${{ event.plan }}", Seats: "${{ event.seats }}" }
        """

    static let body = """
        [{"id": "e1", "email": " Ada@Example.COM ", "first": "Ada", "last": "Lovelace", "plan": "pro", "seats": 3},
         {"id": "e2", "type": "ignored", "email": "bob@example.com"},
         {"id": 3, "email": "not an email", "first": "C"},
         {"email": "dee@example.com", "first": "Dee", "plan": "free"}]
        """

    private func outcomes(_ pipeline: Pipeline, _ body: String) async throws -> (batch: [String], run: [String]) {
        let request = WebhookRequest(
            method: "POST", path: "/hooks/batch", headers: ["content-type": "application/json"], body: Data())
        let context = TransformContext(environment: [:], fetcher: RecordedFetcher([:]), verifySignatures: false)
        var batch: [String] = []
        let outcome = await pipeline.planBatch(request, bytes: Array(body.utf8), context: context) {
            batch.append($0.planJSON.jsonText)
        }
        guard case .events? = outcome else {
            Issue.record("not planned element by element: \(String(describing: outcome))")
            return ([], [])
        }
        var whole = request
        whole.body = Data(body.utf8)
        guard case .events(let events) = await pipeline.run(whole, context: context) else {
            Issue.record("run rejected the body")
            return ([], [])
        }
        return (batch, events.map(\.planJSON.jsonText))
    }

    @Test func elementByElementGivesWhatRunGives() async throws {
        let pipeline = try #require(loadPipeline(Self.pipeline).0)
        #expect(pipeline.plansBatchByElement)
        let (batch, run) = try await outcomes(pipeline, Self.body)
        #expect(batch.count == 4)
        #expect(batch == run)
        #expect(batch[0].contains(#""email":"ada@example.com""#))
        #expect(batch[1] == #"{"id":"e2","status":"skipped"}"#)
        #expect(batch[2].contains(#""status":"failed""#))
        #expect(batch[3].hasPrefix(#"{"id":"sha256:"#))
        #expect(
            batch[3].hasSuffix(
                #"#3","operations":[{"crisp.profile":{"email":"dee@example.com","person":{"nickname":"Dee"}}},"#
                    + #"{"crisp.data":{"email":"dee@example.com","merge":{"plan":"free"}}}],"status":"planned"}"#))
    }

    @Test func aBodyReadInChunksIsPlannedAsTheWholeBody() async throws {
        let pipeline = try #require(loadPipeline(Self.pipeline).0)
        let request = WebhookRequest(
            method: "POST", path: "/hooks/batch", headers: ["content-type": "application/json"], body: Data())
        let context = TransformContext(environment: [:], fetcher: RecordedFetcher([:]), verifySignatures: false)
        let bytes = Array(Self.body.utf8)
        var whole: [String] = []
        _ = await pipeline.planBatch(request, bytes: bytes, context: context) { whole.append($0.planJSON.jsonText) }
        for size in [1, 7, 100] {
            var rest = ArraySlice(bytes)
            let read = { () throws(BridgeCoreError) -> [UInt8] in
                defer { rest = rest.dropFirst(size) }
                return Array(rest.prefix(size))
            }
            var lines: [String] = []
            let outcome = await pipeline.planBatch(
                request, reading: read, bodyDigest: Pipeline.bodyDigest(of: [bytes]), context: context
            ) {
                var line: [UInt8] = []
                $0.writePlanJSON(to: &line)
                lines.append(String(decoding: line, as: UTF8.self))
            }
            guard case .events? = outcome else {
                Issue.record("not planned element by element: \(String(describing: outcome))")
                continue
            }
            #expect(lines == whole, "chunks of \(size)")
        }
        // The digest of an event without an id is that of the body, as `run` gives it.
        #expect(whole[3].hasPrefix(#"{"id":"\#(Pipeline.bodyID(Data(bytes), index: 3, count: 4))""#))
    }

    @Test func aPipelineThatReadsTheWholeBodyIsPlannedWhole() async throws {
        let reads = Self.pipeline.replacingOccurrences(
            of: "plan: \"${{ event.plan }}\"", with: "plan: \"${{ body[0].plan }}\"")
        let pipeline = try #require(loadPipeline(reads).0)
        #expect(!pipeline.plansBatchByElement)
        let noID = Self.pipeline.replacingOccurrences(of: "  id: event.id\n", with: "")
        #expect(try #require(loadPipeline(noID).0).plansBatchByElement == false)
    }

    @Test func invalidJSONPartWayIsRejected() async throws {
        let pipeline = try #require(loadPipeline(Self.pipeline).0)
        let request = WebhookRequest(method: "POST", path: "/hooks/batch", headers: [:], body: Data())
        let context = TransformContext(environment: [:], fetcher: RecordedFetcher([:]), verifySignatures: false)
        var emitted = 0
        let outcome = await pipeline.planBatch(
            request, bytes: Array(#"[{"id": "a", "email": "a@example.com"}, {"id": "b"}, {"#.utf8), context: context
        ) { _ in emitted += 1 }
        guard case .rejected(let status, let reason)? = outcome else {
            Issue.record("not rejected: \(String(describing: outcome))")
            return
        }
        #expect(status == 400)
        #expect(reason.contains("not valid JSON"))
        #expect(emitted == 1, "the element before the one followed by the error")
    }
}
