import Foundation
import Yams

/// A test file: recorded requests run through a pipeline, with the Crisp operations expected of each event.
public struct TestSuite: Sendable {
    /// One case: a request, the recorded answers of its fetches, and what should come out.
    public struct Case: Sendable {
        public let name: String
        public let location: SourceLocation
        let request: WebhookRequest
        /// For a poll pipeline: the poll's recorded answers (one per page, in order), else nil.
        let poll: [FetchResponse]?
        /// The cursor stored before the poll (`cursor:`); nil for a pipeline's first poll.
        let cursor: JSONValue?
        /// The cursor the poll should leave (`expect_cursor:`), when given.
        let expectedCursor: JSONValue?
        /// The dedupe id of each event (`expect_ids:`), when given: two deliveries of one event share it, so the
        /// second is stored as a duplicate and never delivered.
        let expectedIDs: JSONValue?
        /// The warnings expected over the case's events (`expect_warnings:`), when given: each a text or
        /// `{contains: text}`.
        var expectedWarnings: JSONValue? = nil
        /// False for recordings whose signature was verified when recorded (credentials redacted).
        let verifySignatures: Bool
        let fetches: [String: [FetchResponse]]
        let repeatingFetches: Set<String>
        let environment: [String: String]
        let now: Date?
        let publicURL: String?
        /// The expectation as written, and whether it is a `contains:` subset.
        let expected: JSONValue?
        let subset: Bool
        /// Where `expect:` is written (the key's line and the value's extent), for `--update`.
        let expectSpan: ExpectSpan?
        let caseSpan: ExpectSpan
    }

    /// Lines of a YAML value in its file, for rewriting it in place.
    struct ExpectSpan: Sendable {
        /// The line of the key (`expect:`) or of the case's first key.
        let firstLine: Int
        /// The first line after the value.
        let endLine: Int
        /// The column of the key.
        let column: Int
    }

    public let file: String
    public let pipelineFile: String
    public let cases: [Case]
}
