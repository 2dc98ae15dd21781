extension Builtins {
    /// Functions for flat records (CSV rows, form posts): column groups, empty cells, segment lists, rejections.
    static let rows: [BuiltinFunction] = [
        BuiltinFunction(
            "spreadsheet_safe(value)", arity: 1...1,
            "Text a spreadsheet will show as text, not run as a formula (OWASP's CSV-injection rule): a value "
                + "starting with `=`, `@`, a tab or a line break, or with `+`/`-` followed by anything but a number "
                + "or a phone number, gets a leading `'`. For pipelines that write rows to a sheet (`http` to "
                + "Google Sheets); other values are returned as they are.",
            examples: [
                (
                    #"spreadsheet_safe("=HYPERLINK(\"http://evil\", \"Click\")")"#,
                    #""'=HYPERLINK(\"http://evil\", \"Click\")""#
                ),
                (#"spreadsheet_safe("+33 6 12 34 56 78")"#, #""+33 6 12 34 56 78""#),
                (#"spreadsheet_safe("Ada")"#, #""Ada""#),
                ("spreadsheet_safe(42)", "42"),
            ]
        ) { args throws(FunctionError) in
            guard case .string(let text) = args[0] else { return args[0] }
            return .string(SpreadsheetFormula.neutralised(text))
        },
        BuiltinFunction(
            "columns(row, prefix)", arity: 2...2,
            "The members of an object whose names start with the prefix, with the prefix removed: a CSV's "
                + "`data.plan`, `data.seats` columns become `{plan, seats}`. Values are kept as they are (empty "
                + "cells stay empty text: see `compact` and `empty_keys`).",
            examples: [
                (
                    #"columns({"email": "a@b.io", "data.plan": "pro", "data.seats": ""}, "data.")"#,
                    #"{"plan":"pro","seats":""}"#
                ),
                (#"columns(null, "data.")"#, "null"),
            ]
        ) { args throws(FunctionError) in
            guard let row = try Arguments.object(args, 0) else { return .null }
            guard let prefix = try Arguments.string(args, 1), !prefix.isEmpty else {
                throw FunctionError("argument 2 must be a prefix that is not empty")
            }
            var out: [String: JSONValue] = [:]
            for (name, value) in row where name.hasPrefix(prefix) && name.count > prefix.count {
                out[String(name.dropFirst(prefix.count))] = value
            }
            return .object(out)
        },
        BuiltinFunction(
            "merge(object, …)", arity: 1...Int.max,
            "The objects' members in one object; a later object's member wins. `null` arguments are skipped.",
            examples: [(#"merge({"plan": "free", "seats": 1}, {"plan": "pro"}, null)"#, #"{"plan":"pro","seats":1}"#)]
        ) { args throws(FunctionError) in
            var out: [String: JSONValue] = [:]
            var any = false
            for i in args.indices {
                guard let object = try Arguments.object(args, i) else { continue }
                any = true
                out.merge(object) { $1 }
            }
            return any ? .object(out) : .null
        },
        BuiltinFunction(
            "compact(value)", arity: 1...1,
            "An object or list without its `null` and empty-text (also only spaces) members.",
            examples: [
                (#"compact({"plan": "pro", "seats": "", "team": null})"#, #"{"plan":"pro"}"#),
                (#"compact(["a", " ", null, "b"])"#, #"["a","b"]"#),
            ]
        ) { args throws(FunctionError) in
            switch args[0] {
            case .null: return .null
            case .object(let o): return .object(o.filter { !$0.value.isBlank })
            case .array(let a): return .array(a.filter { !$0.isBlank })
            default: throw .type("an object or a list", argument: 1, got: args[0])
            }
        },
        BuiltinFunction(
            "empty_keys(object)", arity: 1...1,
            "The names of an object's members that are `null` or empty text (also only spaces), sorted: with "
                + "`crisp.data`'s `unset`, an empty cell deletes its key.",
            examples: [(#"empty_keys({"plan": "pro", "seats": "", "team": null})"#, #"["seats","team"]"#)]
        ) { args throws(FunctionError) in
            guard let o = try Arguments.object(args, 0) else { return .null }
            return .array(o.filter { $0.value.isBlank }.keys.sorted().map { .string($0) })
        },
        BuiltinFunction(
            "segments(text)", arity: 1...1,
            "A list of segments from text separated by `|`, `,` or spaces (as Crisp's import reads them): "
                + "trimmed, without empty ones or repeats. A list is cleaned the same way.",
            examples: [
                (#"segments("vip|customer, newsletter  beta")"#, #"["vip","customer","newsletter","beta"]"#),
                (#"segments(" ")"#, "[]"), (#"segments(["vip", " vip ", ""])"#, #"["vip"]"#),
            ]
        ) { args throws(FunctionError) in
            let pieces: [String]
            switch args[0] {
            case .null: return .null
            case .string(let s):
                pieces = s.split(whereSeparator: { $0 == "|" || $0 == "," || $0.isWhitespace }).map(String.init)
            case .array(let a):
                pieces = a.compactMap { $0.stringValue?.trimmed }
            default: throw .type("a text or a list", argument: 1, got: args[0])
            }
            var seen = Set<String>()
            return .array(pieces.filter { !$0.isEmpty && seen.insert($0).inserted }.map { .string($0) })
        },
        BuiltinFunction(
            "required(value, reason)", arity: 2...2,
            "The value, unless it is `null` or empty text: then the event fails with the reason (not retried; "
                + "`import` reports the row as rejected with it).",
            examples: [(#"required("ada@example.com", "no email")"#, #""ada@example.com""#)]
        ) { args throws(FunctionError) in
            guard args[0].isBlank else { return args[0] }
            throw FunctionError(try Arguments.text(args, 1) ?? "a required value is missing")
        },
    ]
}

extension JSONValue {
    /// `null`, or text that is empty or only spaces.
    var isBlank: Bool {
        switch self {
        case .null: true
        case .string(let s): s.utf8.allSatisfy { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) } || s.trimmed.isEmpty
        default: false
        }
    }
}
