extension Builtins {
    /// Functions that flatten senders' own value shapes (Notion properties, Typeform answers) into plain values.
    static let senders: [BuiltinFunction] = [
        BuiltinFunction(
            "notion_value(property)", arity: 1...1,
            "A Notion page property as a plain value: title and rich_text as their joined text; email, phone_number, "
                + "url, created_time, last_edited_time as text; select and status as the option's name; multi_select "
                + "as a list of names; people as a list of names (the email when there is no name); date as its start; "
                + "number, checkbox, formula as their value; relation as a list of ids; unique_id as `PREFIX-N`. "
                + "Empty values give `null`.",
            examples: [
                (
                    #"notion_value({type: "title", title: [{plain_text: "Ada "}, {plain_text: "Lovelace"}]})"#,
                    #""Ada Lovelace""#
                ),
                (#"notion_value({type: "select", select: {name: "New lead"}})"#, #""New lead""#),
                (#"notion_value({type: "email", email: null})"#, "null"),
            ]
        ) { args throws(FunctionError) in
            guard let property = try Arguments.object(args, 0) else { return .null }
            return NotionProperty.plain(property)
        },
        BuiltinFunction(
            "notion_properties(page)", arity: 1...1,
            "A Notion page's properties as an object of plain values by property name (see `notion_value`).",
            examples: [
                (
                    #"notion_properties({properties: {Email: {type: "email", email: "ada@example.com"}}})"#,
                    #"{"Email":"ada@example.com"}"#
                )
            ]
        ) { args throws(FunctionError) in
            guard let page = try Arguments.object(args, 0) else { return .null }
            guard case .object(let properties)? = page["properties"] else { return .object([:]) }
            return .object(properties.mapValues { $0.objectValue.map(NotionProperty.plain) ?? .null })
        },
        BuiltinFunction(
            "typeform_answers(form_response, choices?)", arity: 1...2,
            "A Typeform response's answers as an object by each field's `ref` (its `id` when it has none): text, "
                + "email, url, file_url, phone_number, number, boolean and date as their value; choice as its label "
                + "(or the `other` text); choices as a list of labels; payment as its amount. With `\"ref\"` as "
                + "second argument, choices give their `ref` instead of their label (stable when a label is "
                + "reworded or translated; the label when a choice has no ref, the `other` text as it is).",
            examples: [
                (
                    #"typeform_answers({answers: [{type: "email", email: "ada@example.com", field: {id: "x1", ref: "email"}}, {type: "choice", choice: {label: "Yes"}, field: {id: "x2"}}]})"#,
                    #"{"email":"ada@example.com","x2":"Yes"}"#
                ),
                (
                    #"typeform_answers({answers: [{type: "choice", choice: {label: "Swift for beginners", ref: "swift-101"}, field: {id: "x2", ref: "course"}}]}, "ref")"#,
                    #"{"course":"swift-101"}"#
                ),
            ]
        ) { args throws(FunctionError) in
            guard let response = try Arguments.object(args, 0) else { return .null }
            var byRef = false
            if args.count > 1 {
                switch args[1] {
                case .string("ref"): byRef = true
                case .string("label"), .null: byRef = false
                default: throw FunctionError("its second argument is \"ref\" or \"label\", got \(args[1].jsonText)")
                }
            }
            var answers: [String: JSONValue] = [:]
            for answer in response["answers"]?.arrayValue ?? [] {
                let field = answer["field"]
                guard let key = field["ref"].stringValue ?? field["id"].stringValue else { continue }
                answers[key] = TypeformAnswer.plain(answer, byRef: byRef)
            }
            return .object(answers)
        },
    ]
}

/// Notion's property values, flattened.
enum NotionProperty {
    static func plain(_ property: [String: JSONValue]) -> JSONValue {
        guard let type = property["type"]?.stringValue else { return .null }
        let value = property[type] ?? .null
        switch type {
        case "title", "rich_text":
            let text = (value.arrayValue ?? []).compactMap { $0["plain_text"].stringValue }.joined()
            return text.isEmpty ? .null : .string(text)
        case "select", "status":
            return value["name"]
        case "multi_select":
            return .array((value.arrayValue ?? []).map { $0["name"] })
        case "people":
            return .array(
                (value.arrayValue ?? []).map { person in
                    person["name"].isNull ? person["person"]["email"] : person["name"]
                })
        case "date":
            return value["start"]
        case "relation":
            return .array((value.arrayValue ?? []).map { $0["id"] })
        case "unique_id":
            guard let number = value["number"].numberValue else { return .null }
            let digits = JSONValue.format(number: number)
            return .string(value["prefix"].stringValue.map { "\($0)-\(digits)" } ?? digits)
        case "formula":
            guard let kind = value["type"].stringValue else { return .null }
            return kind == "date" ? value["date"]["start"] : value[kind]
        case "created_by", "last_edited_by":
            return value["name"].isNull ? value["id"] : value["name"]
        default:
            // email, phone_number, url, number, checkbox, created_time, last_edited_time and the like
            if case .string("") = value { return .null }
            return value
        }
    }
}

/// Typeform's type-keyed answers, flattened.
enum TypeformAnswer {
    /// An answer's value; `byRef` gives a choice's `ref` rather than its label.
    static func plain(_ answer: JSONValue, byRef: Bool = false) -> JSONValue {
        guard let type = answer["type"].stringValue else { return .null }
        let value = answer[type]
        switch type {
        case "choice":
            if byRef, let ref = value["ref"].stringValue { return .string(ref) }
            return value["label"].isNull ? value["other"] : value["label"]
        case "choices":
            let labels = value["labels"].arrayValue ?? []
            var picked = labels
            if byRef, let refs = value["refs"].arrayValue {
                // A choice without a ref keeps its label.
                picked = labels.indices.map { $0 < refs.count && !refs[$0].isNull ? refs[$0] : labels[$0] }
                if labels.isEmpty { picked = refs }
            }
            if let other = value["other"].stringValue { picked.append(.string(other)) }
            return .array(picked)
        case "payment": return value["amount"]
        default: return value
        }
    }
}
