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
        let person = fields["person"]?.objectValue
        let company = fields["company"]?.objectValue
        return .profile(
            ProfileUpsert(
                email: try email(fields, at: location),
                person: person?.isEmpty == true ? nil : person,
                company: company?.isEmpty == true ? nil : company,
                segments: strings(fields["segments"]),
                notepad: fields["notepad"]?.stringValue,
                active: fields["active"]?.numberValue))
    }
}
