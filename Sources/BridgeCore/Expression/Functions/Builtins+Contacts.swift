import Foundation

extension Builtins {
    static let contacts: [BuiltinFunction] = [
        BuiltinFunction(
            "country_code(country)", arity: 1...1,
            "An ISO 3166 alpha-2 code (upper case) from an English country name, a common alias (UK, USA…), "
                + "an alpha-3 or alpha-2 code, in any case and with or without accents. Unknown gives `null`, and so "
                + "does a name people use for two countries (Congo, Korea, Virgin Islands): never a guess.",
            examples: [
                (#"country_code("United Kingdom")"#, #""GB""#), (#"country_code("deu")"#, #""DE""#),
                (#"country_code(" côte d'ivoire ")"#, #""CI""#), (#"country_code("Atlantis")"#, "null"),
                (#"country_code("Korea")"#, "null"), (#"country_code("South Korea")"#, #""KR""#),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .null }
            return Countries.code(for: s).map { .string($0) } ?? .null
        }.noting { args in
            guard let s = args.first?.stringValue, !s.trimmed.isEmpty else { return nil }
            return
                "'\(s.prefix(60))' is not a country name or code crisp-bridge knows (or names two countries); the value is left out"
        },
        BuiltinFunction(
            "phone(number, region)", arity: 1...2,
            "A phone number in E.164 (`+442079460018`), read with libphonenumber's rules and metadata. Numbers "
                + "without `+` are national numbers of the region (an alpha-2 code or country name), without their "
                + "trunk prefix (`0`, `8`, `06`…), or dialled with its international prefix (`00`, `011`…); with no "
                + "region, `00` starts an international number. Extensions are dropped. A number that is not valid "
                + "in its country's numbering plan, letters and other doubtful input give `null`, never a guess.",
            examples: [
                (#"phone("+44 20 7946 0018")"#, #""+442079460018""#),
                (#"phone("020 7946 0018", "GB")"#, #""+442079460018""#),
                (#"phone("(415) 555-0132", "US")"#, #""+14155550132""#),
                (#"phone("0044 20 7946 0018")"#, #""+442079460018""#),
                (#"phone("+44 (0)20 7946 0018 ext. 12")"#, #""+442079460018""#),
                (#"phone("8 (912) 345-67-89", "Russia")"#, #""+79123456789""#),
                (#"phone("12 34 56 78", "NO")"#, "null"), (#"phone("12", "FR")"#, "null"),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.text(args, 0) else { return .null }
            let region = try Arguments.string(args, 1)
            return PhoneNumber.e164(s, region: region).map { .string($0) } ?? .null
        }.noting { args in
            guard
                let s = args.first.flatMap({ $0.stringValue ?? ($0.numberValue.map { JSONValue.format(number: $0) }) }),
                !s.trimmed.isEmpty
            else { return nil }
            let region = args.count > 1 ? args[1].stringValue.map { " for region \($0)" } ?? "" : ""
            return "'\(s.prefix(60))' is not a valid phone number\(region); the value is left out"
        },
        BuiltinFunction(
            "email(text)", arity: 1...1,
            "A normalised email address (trimmed, lower case, `mailto:` and `Name <…>` removed), or `null` when "
                + "the text is not a valid address.",
            examples: [
                (#"email("  Ada.Lovelace@Example.COM ")"#, #""ada.lovelace@example.com""#),
                (#"email("Ada <ada@example.com>")"#, #""ada@example.com""#), (#"email("ada at example")"#, "null"),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .null }
            return EmailAddress.normalize(s).map { .string($0) } ?? .null
        }.noting { args in
            guard let s = args.first?.stringValue, !s.trimmed.isEmpty else { return nil }
            return "'\(s.prefix(80))' is not a valid email address; the value is left out"
        },
        BuiltinFunction(
            "split_name(full_name)", arity: 1...1,
            "Splits a full name into `{first, last}`: the first word and the rest, or `Last, First`. "
                + "A single word has a `null` last name.",
            examples: [
                (#"split_name("Ada King Lovelace")"#, #"{"first":"Ada","last":"King Lovelace"}"#),
                (#"split_name("Lovelace, Ada")"#, #"{"first":"Ada","last":"Lovelace"}"#),
                (#"split_name(" Zoë ").last"#, "null"),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.string(args, 0) else { return .null }
            return splitName(s)
        },
        BuiltinFunction(
            "data_key(text)", arity: 1...1,
            "Any text as a valid Crisp custom-data key (`^[a-z0-9_-]{1,50}$`): accents removed, lower case, "
                + "other characters as `_`, at most 50 characters.",
            examples: [
                (#"data_key("Lifecycle Stage")"#, #""lifecycle_stage""#),
                (#"data_key("Échéance (jours)")"#, #""echeance_jours""#),
            ]
        ) { args throws(FunctionError) in
            guard let s = try Arguments.text(args, 0) else { return .null }
            return CustomDataKey.make(from: s).map { .string($0) } ?? .null
        },
    ]

    static func splitName(_ full: String) -> JSONValue {
        let collapse = { (s: Substring) in
            s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        }
        if let comma = full.firstIndex(of: ",") {
            let last = collapse(full[..<comma])
            let first = collapse(full[full.index(after: comma)...])
            if !first.isEmpty, !last.isEmpty { return ["first": .string(first), "last": .string(last)] }
        }
        let words = full.split(whereSeparator: { $0.isWhitespace || $0 == "," })
        guard let first = words.first else { return ["first": .null, "last": .null] }
        let rest = words.dropFirst().joined(separator: " ")
        return ["first": .string(String(first)), "last": rest.isEmpty ? .null : .string(rest)]
    }
}

/// Text folded for matching: accents removed, lower case, only letters, digits and single spaces.
func foldedForMatching(_ s: String) -> String {
    if s.utf8.allSatisfy({ $0 < 0x80 }) { return foldedASCII(s) }
    var out = ""
    var pendingSpace = false
    for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars {
        if scalar.properties.generalCategory == .nonspacingMark { continue }
        if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
            if pendingSpace, !out.isEmpty { out += " " }
            pendingSpace = false
            out += String(scalar).lowercased()
        } else if scalar != "'" && scalar != "’" && scalar != "." {
            pendingSpace = true
        }
    }
    return out
}

/// `foldedForMatching` for ASCII text, without decomposition.
private func foldedASCII(_ s: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    var pendingSpace = false
    for c in s.utf8 {
        let lower = (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) ? c | 0x20 : c
        if (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
        {
            if pendingSpace, !out.isEmpty { out.append(UInt8(ascii: " ")) }
            pendingSpace = false
            out.append(lower)
        } else if c != UInt8(ascii: "'") && c != UInt8(ascii: ".") {
            pendingSpace = true
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Country lookups over the generated ISO 3166 table.
enum Countries {
    private static let byName: [String: String] = {
        var map: [String: String] = [:]
        for row in CountryTable.rows {
            map[row.alpha2.lowercased()] = row.alpha2
            map[row.alpha3.lowercased()] = row.alpha2
            for name in row.names {
                let key = foldedForMatching(name)
                map[key] = row.alpha2
                if key.hasPrefix("the ") { map[String(key.dropFirst(4))] = row.alpha2 }
            }
        }
        return map
    }()

    private static let callingCodes: [String: Int] = Dictionary(
        uniqueKeysWithValues: CountryTable.rows.map { ($0.alpha2, $0.callingCode) })

    /// The alpha-2 code for a name or code, or nil.
    static func code(for text: String) -> String? {
        var key = foldedForMatching(text)
        if key.hasPrefix("the ") { key.removeFirst(4) }
        if ambiguous.contains(key) { return nil }
        return byName[key]
    }

    /// Names that people use for two countries: read as neither, never a guess.
    static let ambiguous: Set<String> = ["congo", "korea", "virgin islands"]

    /// The international calling code of an alpha-2 region, or nil.
    static func callingCode(of alpha2: String) -> Int? {
        callingCodes[alpha2].flatMap { $0 == 0 ? nil : $0 }
    }
}
