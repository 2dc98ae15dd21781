/// `crisp.profile`: upsert the profile by email, in Crisp's profile shape.
struct ProfileAction: CrispAction {
    static let geolocation: FieldSchema = .object([
        "country": .text, "region": .text, "city": .text,
        "coordinates": .object(["latitude": .number, "longitude": .number]),
    ])

    var name: String { "crisp.profile" }
    var required: [String] { ["email"] }
    var fields: [String: FieldSchema] { Self.schema }

    static let schema: [String: FieldSchema] = [
        "email": .text,
        "person": .object([
            "nickname": .text, "avatar": .text, "gender": .text, "phone": .text, "address": .text,
            "description": .text, "website": .text, "timezone": .number,
            "profiles": .list(.object(["type": .text, "handle": .text, "url": .text])),
            "employment": .object([
                "name": .text, "domain": .text, "title": .text, "role": .text, "seniority": .text,
            ]),
            "geolocation": Self.geolocation, "locales": .list(.text),
        ]),
        "company": .object([
            "name": .text, "legal_name": .text, "domain": .text, "url": .text, "description": .text,
            "timezone": .number, "phones": .list(.text), "emails": .list(.text), "geolocation": Self.geolocation,
            "metrics": .object(["employees": .number, "market_cap": .number, "raised": .number, "arr": .number]),
            "tags": .list(.text),
        ]),
        "segments": .list(.text),
        "notepad": .text,
        "active": .number,
    ]

    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
    {
        // One pass over the members rather than a look-up per field, most of them absent: this runs for every event.
        var upsert = ProfileUpsert(email: "")
        var email: JSONValue?
        for (key, value) in fields {
            switch key {
            case "email": email = value
            case "person": upsert.person = value.objectValue.flatMap { $0.isEmpty ? nil : $0 }
            case "company": upsert.company = value.objectValue.flatMap { $0.isEmpty ? nil : $0 }
            case "segments": upsert.segments = strings(value)
            case "notepad": upsert.notepad = value.stringValue
            case "active": upsert.active = value.numberValue
            default: break
            }
        }
        upsert.email = try self.email(email, at: location)
        return .profile(upsert)
    }
}
