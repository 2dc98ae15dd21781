/// The keys of a test file, level by level, with what each means and the shape of its value.
public enum TestFormat {
    /// The top level of a test file.
    public static let top: [FormatKey] = [
        FormatKey("pipeline", "The pipeline file under test, relative to this file.", ["type": "string"]),
        FormatKey("env", "Environment values the pipeline sees (secrets, tokens) in every case.", environment),
        FormatKey(
            "public_url", "The public base URL senders call, for senders that sign the URL (HubSpot v3).",
            ["type": "string"]),
        FormatKey("now", "The time the cases run at (ISO 8601), for signature windows and dates.", time),
        FormatKey(
            "cases", "The cases: each a recorded request (or a poll's answers) and what it must give.",
            ["type": "array", "items": testCase]),
    ]

    /// One item of `cases:`.
    public static let caseKeys: [FormatKey] = [
        FormatKey("name", "The case's name, unique in the file.", ["type": "string"]),
        FormatKey(
            "request",
            "The webhook request: a recording file (as `serve --record` saves them), or a mapping of its parts, optionally starting from `file:`.",
            ["anyOf": [["type": "string"], FormatSchema.object(recording + [fileKey])]]),
        FormatKey(
            "poll", "A poll case: the answers of the poll's request, one per page.",
            ["anyOf": [answer, ["type": "array", "items": answer]]]),
        FormatKey("cursor", "A poll case: the cursor the poll starts from (default: none yet).", [:]),
        FormatKey("expect_cursor", "A poll case: the cursor the poll must end with.", [:]),
        FormatKey(
            "expect_ids",
            "The dedupe id of each event, in order: a sender's retry of one event must give the same id (stored once, delivered once).",
            ["type": "array", "items": ["type": "string"]]),
        FormatKey(
            "expect_warnings",
            "The warnings the case must give, over all its events in order (a value a rule left out: a phone not valid in its country…), without their file:line:col: each a text (the whole warning) or `{contains: text}`. `[]`: none.",
            [
                "type": "array",
                "items": [
                    "anyOf": [
                        ["type": "string"],
                        [
                            "type": "object", "required": ["contains"], "additionalProperties": false,
                            "properties": [
                                "contains": ["type": "string", "description": "A part of the warning's text."]
                            ],
                        ],
                    ]
                ],
            ]),
        FormatKey("fetch", "Recorded answers of the pipeline's fetch calls, by fetch name.", answers),
        FormatKey("env", "Environment values for this case, over the file's.", environment),
        FormatKey("now", "The time this case runs at (ISO 8601).", time),
        FormatKey("public_url", "The public base URL for this case.", ["type": "string"]),
        FormatKey(
            "expect",
            "What the case must give: a list with one entry per event (a list of Crisp operations, `skipped` for a skip by `when`, `{skipped: reason}` for a `skip:` rule's, or `{failed: text}`), `{rejected: status, reason: text}`, `handshake`, or `{contains: …}` for a subset.",
            [
                "anyOf": [
                    ["type": "array"],
                    [
                        "type": "object", "required": ["rejected"], "additionalProperties": false,
                        "properties": [
                            "rejected": [
                                "type": "integer", "minimum": 100, "maximum": 599,
                                "description": "The HTTP status the request is refused with, e.g. 401.",
                            ],
                            "reason": [
                                "description":
                                    "Why it is refused, as `serve` logs it: the exact text, or `{contains: text}`. Without it, a refusal caused by a verify setting left empty by the case's env fails.",
                                "anyOf": [
                                    ["type": "string"],
                                    [
                                        "type": "object", "required": ["contains"], "additionalProperties": false,
                                        "properties": [
                                            "contains": ["type": "string", "description": "A part of the reason."]
                                        ],
                                    ],
                                ],
                            ],
                        ],
                    ],
                    ["const": "handshake"],
                    [
                        "type": "object", "required": ["contains"], "additionalProperties": false,
                        "properties": [
                            "contains": [
                                "description": "A subset of what the case gives: extra keys and events are allowed."
                            ]
                        ],
                    ],
                ]
            ]),
    ]

    /// A recorded answer of a fetch or poll call.
    public static let answerKeys: [FormatKey] = [
        FormatKey("status", "The HTTP status (default 200).", ["type": "integer", "minimum": 100, "maximum": 599]),
        FormatKey("body", "The answer's body: JSON written as YAML, or JSON text.", [:]),
        FormatKey("body_file", "A file holding the body, relative to this file.", ["type": "string"]),
    ]

    /// A recorded request (a recording file, or a case's inline `request:`).
    public static let recording: [FormatKey] = [
        FormatKey("method", "The HTTP method (default POST).", ["type": "string"]),
        FormatKey("path", "The path it was sent to, e.g. /hooks/hubspot.", ["type": "string"]),
        FormatKey("query", "The query string, e.g. code=abc (a leading ? is dropped).", ["type": "string"]),
        FormatKey(
            "headers", "Headers, by name (a null value removes one, e.g. to test a request without credentials).",
            ["type": "object", "additionalProperties": FormatSchema.scalarValue]),
        FormatKey("received_at", "When it was received (ISO 8601), for signature windows.", time),
        FormatKey("body", "The raw body as text (or YAML written as JSON).", [:]),
        FormatKey("body_file", "A file holding the raw body, relative to the recording.", ["type": "string"]),
        FormatKey("body_base64", "The raw body, base64-encoded (for bodies that are not text).", ["type": "string"]),
        FormatKey(
            "verified",
            "`true` when `serve --record` checked the signature before redacting credentials: tests do not check it again.",
            ["type": "boolean"]),
        FormatKey("fetch", "The answers the request's fetch calls got, by fetch name.", answers),
    ]

    static let fileKey = FormatKey(
        "file", "A recording file to start from; the other keys change it (e.g. a forged header).", ["type": "string"])

    static var testCase: JSONValue {
        var out = FormatSchema.object(caseKeys, required: ["name"]).objectValue ?? [:]
        out["oneOf"] = [["required": ["request"]], ["required": ["poll"]]]
        return .object(out)
    }

    static var answer: JSONValue { FormatSchema.object(answerKeys) }

    static var answers: JSONValue {
        ["type": "object", "additionalProperties": ["anyOf": [answer, ["type": "array", "items": answer]]]]
    }

    static let environment: JSONValue = [
        "type": "object", "additionalProperties": ["type": ["string", "number", "boolean", "null"]],
    ]

    static let time: JSONValue = ["type": ["string", "number"]]
}
