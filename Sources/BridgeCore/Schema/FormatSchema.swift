/// The JSON Schemas of pipeline files and test files (draft-07, as editors' YAML support reads them), built from
/// the same key tables, sender registry, action registry and function registry the loader uses.
public enum FormatSchema {
    /// What `crisp-bridge schema` can print.
    public enum Document: String, CaseIterable, Sendable {
        case pipeline
        case test

        /// The schema's file name under `schema/`.
        public var fileName: String { "\(rawValue).schema.json" }
    }

    /// The schema of `document`, as indented JSON with sorted keys (as committed under `schema/`).
    public static func text(of document: Document) -> String {
        (document == .pipeline ? pipeline : test).prettyJSONText + "\n"
    }

    /// The schema of a pipeline file.
    public static var pipeline: JSONValue {
        var schema = object(PipelineFormat.top, required: ["trigger", "actions"]).objectValue ?? [:]
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        schema["$id"] = "https://crisp-bridge.dev/schema/pipeline.schema.json"
        schema["title"] = "crisp-bridge pipeline"
        schema["description"] =
            "A crisp-bridge pipeline: a trigger, optional fetch and let steps, and the Crisp actions to run for each event."
        schema["definitions"] = .object(definitions)
        return .object(schema)
    }

    /// The schema of a test file.
    public static var test: JSONValue {
        var schema = object(TestFormat.top, required: ["pipeline", "cases"]).objectValue ?? [:]
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        schema["$id"] = "https://crisp-bridge.dev/schema/test.schema.json"
        schema["title"] = "crisp-bridge test file"
        schema["description"] =
            "Recorded requests (or poll answers) run through a pipeline offline, each with the Crisp operations it must give."
        return .object(schema)
    }

    /// A mapping with exactly `keys`, each described.
    static func object(_ keys: [FormatKey], required: [String] = []) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for key in keys {
            var schema = key.schema.objectValue ?? [:]
            schema["description"] = .string(key.summary)
            properties[key.name] = .object(schema)
        }
        var out: [String: JSONValue] = [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
        ]
        if !required.isEmpty { out["required"] = .array(required.map(JSONValue.string)) }
        return .object(out)
    }

    /// A mapping with exactly `keys`, of which exactly one of `oneOfRequired` is given.
    static func object(_ keys: [FormatKey], oneOfRequired kinds: [String]) -> JSONValue {
        var out = object(keys).objectValue ?? [:]
        out["oneOf"] = .array(kinds.map { ["required": [.string($0)]] })
        return .object(out)
    }

    /// The trigger: one kind, and a poll gives its items and ids under `poll:` (no `each`, no `trigger.id`).
    static var trigger: JSONValue {
        var out = object(PipelineFormat.trigger, oneOfRequired: ["webhook", "csv", "poll"]).objectValue ?? [:]
        out["if"] = ["required": ["poll"]]
        out["then"] = ["not": ["anyOf": [["required": ["each"]], ["required": ["id"]]]]]
        return .object(out)
    }

    /// A bare expression (`when`, `each`, `id`, `let` values): YAML may read a plain one as a number or boolean.
    static let expression: JSONValue = ["$ref": "#/definitions/expression"]

    /// A value that is exactly one `${{ expression }}`, computed when the event runs.
    static let template: JSONValue = ["$ref": "#/definitions/template"]

    /// A query parameter's or header's value.
    static let scalarValue: JSONValue = ["type": ["string", "number", "boolean", "null"]]

    /// A name chosen by the pipeline (a fetch or a let), usable in expressions.
    static let namePattern: JSONValue = ["pattern": "^[A-Za-z_][A-Za-z0-9_]*$"]

    /// An HTTP method, in any case (the loader upper-cases it).
    static let method: JSONValue = [
        "type": "string",
        "pattern": .string(
            "^("
                + PipelineLoader.methods.map { method in
                    method.map { "[\($0)\($0.lowercased())]" }.joined()
                }.joined(separator: "|") + ")$"),
        "examples": .array(PipelineLoader.methods.map(JSONValue.string)),
    ]

    /// The shared definitions: expressions, templates, and the names editors offer.
    static var definitions: [String: JSONValue] {
        let functions = FunctionRegistry.builtins.sorted
        return [
            "expression": [
                "type": ["string", "number", "boolean"],
                "description": .string(
                    "A bare expression: paths (a.b[0]), literals, == != < <= > >= && || ! + - * / % ?? and a ? b : c, and function calls. Functions: "
                        + functions.map(\.name).joined(separator: ", ") + "."),
            ],
            "template": [
                "type": "string", "pattern": "^\\s*\\$\\{\\{[\\s\\S]*\\}\\}\\s*$",
                "description":
                    "A value computed for each event: exactly one ${{ expression }}, which keeps the expression's type.",
            ],
            "function": [
                "description": "The functions expressions can call (see docs/functions.md).",
                "enum": .array(functions.map { .string($0.name) }),
            ],
            "sender": [
                "description": "The built-in senders (`trigger.webhook.verify`).",
                "enum": .array(SenderRegistry.builtins.names.map(JSONValue.string)),
            ],
            "action": [
                "description": "The Crisp actions a pipeline can list under `actions:`.",
                "enum": .array(CrispActionRegistry.builtins.names.map(JSONValue.string)),
            ],
            "color": [
                "description": "Crisp's event colours.",
                "enum": .array(FieldSchema.colors.map(JSONValue.string)),
            ],
            "custom_data": [
                "description":
                    "Crisp custom data: keys of 1 to 50 of a-z 0-9 _ - (upper case is written lower case, with a warning); values text, numbers or booleans.",
                "type": "object",
                "propertyNames": ["pattern": .string(customDataKeyPattern)],
                "additionalProperties": ["type": ["string", "number", "boolean", "null"]],
            ],
        ]
    }

    /// Crisp's custom-data keys, upper case allowed (the bridge lower-cases it, with a warning).
    public static let customDataKeyPattern = "^[A-Za-z0-9_-]{1,50}$"
}
