import Foundation
import Testing

@testable import BridgeCore

/// `EventOutcome.writePlanJSON` (the line `plan` prints, written straight from the operations) gives the text of
/// the plan's value with its keys sorted, for every status and operation kind.
@Suite struct PlanLineTests {
    private func line(_ outcome: EventOutcome) -> String {
        var out: [UInt8] = []
        outcome.writePlanJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func planned(_ operations: [CrispOperation], warnings: [String] = []) -> EventOutcome {
        EventOutcome(index: 0, id: "evt-1", status: .planned(operations), warnings: warnings)
    }

    @Test func contactOperationsWithEveryField() throws {
        let profile = ProfileUpsert(
            email: "ada@example.com", person: ["nickname": "Ada \"the\" first", "phone": "+33 6"],
            company: ["name": "Analytical"], segments: ["lead", "vip"], notepad: "line\nbreak", active: 1_764_892_800)
        let operations: [CrispOperation] = [
            .profile(profile),
            .profile(ProfileUpsert(email: "bare@example.com")),
            .data(
                DataUpdate(email: "ada@example.com", mode: .merge, data: ["plan": "pro", "seats": 3], unset: ["old"])),
            .data(DataUpdate(email: "ada@example.com", mode: .replace, data: [:])),
            .data(DataUpdate(email: "ada@example.com", mode: .merge, data: [:], unset: ["x"])),
            .segments(SegmentsUpdate(email: "ada@example.com", add: ["a"], remove: ["b"])),
            .segments(SegmentsUpdate(email: "ada@example.com", add: ["a"])),
            .event(ProfileEvent(email: "ada@example.com", text: "Signed up", data: ["n": 1.5], color: "green")),
            .event(ProfileEvent(email: "ada@example.com", text: "Plain")),
            .conversation(ConversationUpdate(sessionID: "session_1", data: ["deal": "big"], nickname: "Ada")),
            .note(ConversationNote(sessionID: "session_1", text: "CRM: lead")),
        ]
        let outcome = planned(operations, warnings: ["crisp.data.merge: custom-data key 'Seats' written as 'seats'"])
        let expected: JSONValue = [
            "id": "evt-1", "status": "planned",
            "warnings": ["crisp.data.merge: custom-data key 'Seats' written as 'seats'"],
            "operations": [
                [
                    "crisp.profile": [
                        "email": "ada@example.com", "person": ["nickname": "Ada \"the\" first", "phone": "+33 6"],
                        "company": ["name": "Analytical"], "segments": ["lead", "vip"], "notepad": "line\nbreak",
                        "active": 1_764_892_800,
                    ]
                ],
                ["crisp.profile": ["email": "bare@example.com"]],
                ["crisp.data": ["email": "ada@example.com", "merge": ["plan": "pro", "seats": 3], "unset": ["old"]]],
                ["crisp.data": ["email": "ada@example.com", "replace": [:]]],
                ["crisp.data": ["email": "ada@example.com", "unset": ["x"]]],
                ["crisp.segments": ["email": "ada@example.com", "add": ["a"], "remove": ["b"]]],
                ["crisp.segments": ["email": "ada@example.com", "add": ["a"]]],
                [
                    "crisp.event": [
                        "email": "ada@example.com", "text": "Signed up", "data": ["n": 1.5], "color": "green",
                    ]
                ],
                ["crisp.event": ["email": "ada@example.com", "text": "Plain"]],
                ["crisp.conversation": ["session_id": "session_1", "data": ["deal": "big"], "nickname": "Ada"]],
                ["crisp.note": ["session_id": "session_1", "text": "CRM: lead"]],
            ],
        ]
        #expect(line(outcome) == expected.jsonText)
        #expect(outcome.planJSON == expected)
        // Each operation on its own, as test files compare them.
        for (operation, value) in zip(operations, expected["operations"].arrayValue ?? []) {
            var out: [UInt8] = []
            operation.writeJSON(to: &out)
            #expect(String(decoding: out, as: UTF8.self) == value.jsonText)
            #expect(operation.json == value)
        }
    }

    @Test func httpCallShownRedacted() throws {
        let call = HTTPCall(
            request: FetchRequest(
                name: "http", method: "POST", url: "https://api.example.com/rows?api_key=s3cret-key",
                headers: ["authorization": "Bearer s3cret-token", "content-type": "application/json"],
                body: Data(#"{"text":"hi s3cret-token"}"#.utf8)),
            idempotencyHeader: "Idempotency-Key", secrets: ["s3cret-token"])
        let text = line(planned([.http(call)]))
        #expect(text.hasPrefix(#"{"id":"evt-1","operations":[{"http":{"body":{"text":"hi [redacted]"}"#))
        #expect(!text.contains("s3cret"))
        #expect(text == planned([.http(call)]).planJSON.jsonText)
    }

    @Test func skippedAndFailed() {
        let cases: [(EventOutcome.Status, JSONValue)] = [
            (.skipped(reason: nil), ["id": "evt-1", "status": "skipped"]),
            (.skipped(reason: "a test \"lead\""), ["id": "evt-1", "status": "skipped", "reason": "a test \"lead\""]),
            (
                .failed(reason: "fetch crm: 503", retryable: true),
                ["id": "evt-1", "status": "failed", "reason": "fetch crm: 503", "retryable": true]
            ),
            (
                .failed(reason: "bad email", retryable: false),
                ["id": "evt-1", "status": "failed", "reason": "bad email", "retryable": false]
            ),
        ]
        for (status, expected) in cases {
            let outcome = EventOutcome(index: 2, id: "evt-1", status: status, warnings: [])
            #expect(line(outcome) == expected.jsonText)
            #expect(outcome.planJSON == expected)
        }
        let warned = EventOutcome(index: 0, id: "e\u{1}", status: .skipped(reason: nil), warnings: ["w\t1"])
        #expect(line(warned) == #"{"id":"e\u0001","status":"skipped","warnings":["w\t1"]}"#)
    }
}
