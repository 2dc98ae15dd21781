/// E.164 normalisation of phone numbers, following libphonenumber's parsing and validation with its metadata
/// (`PhoneMetadata`, generated from PyPI's phonenumbers).
///
/// The answer is libphonenumber's (`parse`, then `is_valid_number`, then E.164) or nil, never another number:
/// input libphonenumber would read in a way this does not reproduce (letters, unusual characters; see
/// `WrittenNumber`) gives nil, and so does a number that is not valid (`scripts/phone-check.py` checks this on a
/// corpus). Two deliberate differences: the region may be a country name, or a code in any case; and with no
/// region at all, a number starting with `00` is read as international.
enum PhoneNumber {
    /// The number in E.164, reading a national number in `region` (an alpha-2 code or a country name).
    static func e164(_ text: String, region: String?) -> String? {
        guard let written = WrittenNumber(text) else { return nil }
        let regionGiven = region.map { !$0.trimmed.isEmpty } ?? false
        let home = regionGiven ? region.flatMap(Self.region(named:)) : nil

        var callingCode: Int
        var national: [UInt8]
        var extracted: Bool
        let digits = written.digits
        if written.international || (!regionGiven && digits.starts(with: [0, 0])) {
            guard let (code, rest) = splitCallingCode(written.international ? digits : Array(digits.dropFirst(2)))
            else { return nil }
            (callingCode, national, extracted) = (code, rest, true)
        } else {
            guard let home else { return nil }
            if let idd = home.internationalPrefix, let match = idd.matchPrefix(digits),
                match.end == digits.count || digits[match.end] != 0
            {
                // Dialled from the region to another country (`00 44…` from France, `011 44…` from the US).
                guard let (code, rest) = splitCallingCode(Array(digits[match.end...])) else { return nil }
                (callingCode, national, extracted) = (code, rest, true)
            } else {
                (callingCode, national, extracted) = (home.callingCode, digits, false)
                let ownCode = decimalDigits(home.callingCode)
                if digits.starts(with: ownCode) {
                    // The region's own calling code without `+` (`33 6 12…` in France), when the rest fits better.
                    let rest = home.strippingNationalPrefix(Array(digits.dropFirst(ownCode.count)))
                    if (!home.general.pattern.matchesAll(digits) && home.general.pattern.matchesAll(rest))
                        || home.lengthCheck(digits.count) == .tooLong
                    {
                        (national, extracted) = (rest, true)
                    }
                }
            }
        }
        // libphonenumber strips the national prefix with the rules of the calling code's main region.
        let rules = extracted ? PhoneRegion.byCallingCode[callingCode]?.first : home
        guard national.count >= 2 else { return nil }
        if let rules {
            let stripped = rules.strippingNationalPrefix(national)
            switch rules.lengthCheck(stripped.count) {
            case .possible, .tooLong: national = stripped
            case .tooShort, .localOnly, .invalid: break
            }
        }
        guard national.count <= 17, isValid(national, callingCode: callingCode) else { return nil }
        return "+" + String(callingCode) + String(decoding: national.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
    }

    /// The metadata of a region given as an alpha-2 code or a country name.
    private static func region(named text: String) -> PhoneRegion? {
        if let alpha2 = Countries.code(for: text), let region = PhoneRegion.byCode[alpha2] { return region }
        let upper = text.trimmed.uppercased()
        return upper.utf8.count == 2 ? PhoneRegion.byCode[upper] : nil
    }

    /// libphonenumber's `_extract_country_code`: the first 1 to 3 digits that are a calling code, and the rest;
    /// nil when there is none, or when too few digits follow the international prefix.
    private static func splitCallingCode(_ digits: [UInt8]) -> (Int, [UInt8])? {
        guard digits.count > 2, digits[0] != 0 else { return nil }
        var code = 0
        for length in 1...3 {
            code = code * 10 + Int(digits[length - 1])
            if PhoneRegion.byCallingCode[code] != nil { return (code, Array(digits.dropFirst(length))) }
        }
        return nil
    }

    /// libphonenumber's `is_valid_number`: the region of the number (by leading digits for a shared calling
    /// code, else the first region where it is valid), and the number valid there.
    private static func isValid(_ nsn: [UInt8], callingCode: Int) -> Bool {
        guard let regions = PhoneRegion.byCallingCode[callingCode] else { return false }
        if regions.count == 1 { return regions[0].isValid(nsn) }
        for region in regions {
            if let leading = region.leadingDigits {
                if leading.matchPrefix(nsn) != nil { return region.isValid(nsn) }
            } else if region.isValid(nsn) {
                return true
            }
        }
        return false
    }

    private static func decimalDigits(_ value: Int) -> [UInt8] {
        String(value).utf8.map { $0 - UInt8(ascii: "0") }
    }
}
