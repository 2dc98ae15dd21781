extension FormatSchema {
    /// One item of `actions:`: exactly one action key, with that action's fields, and an optional `when`.
    static var actionItem: JSONValue {
        var properties: [String: JSONValue] = [:]
        for name in CrispActionRegistry.builtins.names {
            let action = CrispActionRegistry.builtins[name]!
            var schema = fields(action.fields, path: name, required: action.required).objectValue ?? [:]
            schema["description"] = .string(actionSummaries[name] ?? "")
            var members = schema["properties"]?.objectValue ?? [:]
            var website = field(.text, path: "\(name).website_id").objectValue ?? [:]
            website["description"] =
                "The Crisp website written to (default: CRISP_WEBSITE_ID), e.g. ${{ body.website_id }} for a plugin token that serves every website that installed the plugin."
            members["website_id"] = .object(website)
            schema["properties"] = .object(members)
            properties[name] = .object(schema)
        }
        var http = FormatSchema.object(PipelineFormat.httpAction, required: ["url"]).objectValue ?? [:]
        http["description"] = .string(actionSummaries["http"] ?? "")
        properties["http"] = .object(http)
        let kinds = properties.keys.sorted()
        var when = expression.objectValue ?? [:]
        when["description"] =
            "A bare expression of the action's own: when it is false the action is left out of the event's plan (the others still run)."
        properties["when"] = .object(when)
        return [
            "type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": false,
            "properties": .object(properties),
            "oneOf": .array(kinds.map { ["required": [.string($0)]] }),
        ]
    }

    /// The JSON Schema of a field's value: its shape, or one `${{ }}` computing it, or null (left out).
    static func field(_ schema: FieldSchema, path: String) -> JSONValue {
        let shape: JSONValue
        switch schema {
        case .text: return ["type": ["string", "number", "boolean", "null"]]
        case .number: shape = ["type": "number"]
        case .boolean: shape = ["type": "boolean"]
        case .color: shape = ["$ref": "#/definitions/color"]
        case .customData: shape = ["$ref": "#/definitions/custom_data"]
        case .list(let element): shape = ["type": "array", "items": field(element, path: path)]
        case .object(let members): shape = fields(members, path: path, required: [])
        }
        return ["anyOf": [shape, template, ["type": "null"]]]
    }

    /// A mapping of fields, each described.
    static func fields(_ members: [String: FieldSchema], path: String, required: [String]) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for (key, schema) in members {
            let memberPath = "\(path).\(key)"
            var value = field(schema, path: memberPath).objectValue ?? [:]
            value["description"] = .string(fieldSummary(memberPath))
            properties[key] = .object(value)
        }
        var out: [String: JSONValue] = [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
        ]
        if !required.isEmpty { out["required"] = .array(required.map(JSONValue.string)) }
        return .object(out)
    }

    /// What a field means: by its whole path (`crisp.data.merge`), else by its name.
    static func fieldSummary(_ path: String) -> String {
        if let summary = fieldSummaries[path] { return summary }
        let name = path.split(separator: ".").last.map(String.init) ?? path
        return fieldSummaries[name] ?? ""
    }

    static let actionSummaries: [String: String] = [
        "crisp.profile":
            "Create or update the contact found by email, in Crisp's profile shape: given fields overwrite, company merges, segments are added.",
        "crisp.data":
            "Write the contact's custom data: `merge` (PATCH, keys merged) or `replace` (PUT, the whole map); `unset` removes keys.",
        "crisp.segments": "Add or remove segments of the contact (the others stay).",
        "crisp.event": "Add an event to the contact's timeline: `text` (at most 80 characters), `data`, `color`.",
        "crisp.conversation":
            "Write a conversation's meta by its `session_id`: `data` merged into the conversation's (keys set by others kept), `segments` added, `nickname`, `email`, `phone` set; nothing is written when it already holds them.",
        "crisp.note":
            "Post a private note for the operators into a conversation (by `session_id`), once per event.",
        "http":
            "Call another system's API (Crisp as a source): method (POST by default), url with its host written literally, query, headers, JSON body; run by the worker with retries, at most once unless `idempotency_key` names the target's idempotency header.",
    ]

    static let fieldSummaries: [String: String] = [
        "email": "The contact's email address: it finds the contact (required; an invalid one fails the event).",
        "crisp.profile.person": "The person: name, phone, address, job, place and profiles.",
        "crisp.profile.company": "The person's company; merged into the stored one.",
        "crisp.profile.segments": "Segments added to the contact's existing ones.",
        "crisp.profile.notepad": "The contact's notepad text.",
        "crisp.profile.active": "When the contact was last active (UNIX milliseconds).",
        "crisp.data.merge": "Custom data merged into the stored map (PATCH).",
        "crisp.data.replace": "Custom data replacing the stored map (PUT); not with `merge` or `unset`.",
        "crisp.data.unset": "Custom-data keys to remove.",
        "crisp.segments.add": "Segments to add.",
        "crisp.segments.remove": "Segments to remove.",
        "crisp.event.text": "The event's text (at most 80 characters).",
        "crisp.event.data": "The event's data (at most 10 keys).",
        "crisp.event.color":
            "The event's colour: red, orange, yellow, green, blue, purple, pink, brown, grey or black.",
        "session_id":
            "The conversation's session id, e.g. ${{ event.data.session_id }} in a Crisp web hook (required).",
        "crisp.conversation.data": "Session data merged into the conversation's (values text, numbers or booleans).",
        "crisp.conversation.segments": "Segments added to the conversation's.",
        "crisp.conversation.nickname": "The visitor's name shown in the conversation.",
        "crisp.conversation.email": "The visitor's email in the conversation (a valid address).",
        "crisp.conversation.phone": "The visitor's phone number in the conversation.",
        "crisp.note.text": "The note's text, for operators only (`${{ }}` templates, several lines allowed).",
        "nickname": "The person's full name as Crisp shows it.",
        "avatar": "The URL of the person's picture.",
        "gender": "male or female.",
        "phone": "The phone number (E.164 is best: phone() normalises one).",
        "address": "The postal address, on one line.",
        "description": "A short description.",
        "website": "The website URL.",
        "timezone": "The UTC offset in minutes.",
        "profiles": "Social profiles.",
        "type": "The network, e.g. twitter, linkedin, github.",
        "handle": "The handle on that network.",
        "url": "The profile's URL.",
        "employment": "The person's job.",
        "name": "The name.",
        "domain": "The company's domain name, e.g. example.com.",
        "title": "The job title.",
        "role": "The job role, e.g. engineering.",
        "seniority": "The seniority, e.g. manager.",
        "geolocation": "Where the person or company is.",
        "country": "The ISO 3166-1 alpha-2 country code, e.g. FR (country_code() converts names).",
        "region": "The region or state.",
        "city": "The city.",
        "coordinates": "Latitude and longitude.",
        "latitude": "Degrees north.",
        "longitude": "Degrees east.",
        "locales": "Languages, e.g. en, fr.",
        "legal_name": "The company's legal name.",
        "phones": "The company's phone numbers.",
        "emails": "The company's email addresses.",
        "metrics": "The company's figures.",
        "employees": "How many people it employs.",
        "market_cap": "Its market capitalisation.",
        "raised": "The funds it raised.",
        "arr": "Its annual recurring revenue.",
        "tags": "The company's tags.",
    ]
}
