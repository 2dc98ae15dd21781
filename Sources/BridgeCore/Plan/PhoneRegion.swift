/// One region's numbering rules from libphonenumber (see `PhoneMetadata`), compiled for parsing and validation.
struct PhoneRegion: Sendable {
    /// A pattern with the lengths it allows (as bits; none means any length).
    struct Description: Sendable {
        let pattern: DigitPattern
        let lengths: UInt32

        /// libphonenumber's `_is_number_matching_desc`.
        func matches(_ digits: [UInt8]) -> Bool {
            (lengths == 0 || lengths & (1 << UInt32(digits.count)) != 0) && pattern.matchesAll(digits)
        }
    }

    /// The outcome of libphonenumber's `_test_number_length` for a national number.
    enum LengthCheck {
        case possible, localOnly, tooShort, tooLong, invalid
    }

    /// An alpha-2 code, or `001` for a non-geographic calling code.
    let code: String
    let callingCode: Int
    let internationalPrefix: DigitPattern?
    let nationalPrefix: DigitPattern?
    /// The national prefix's transform rule: digits, and group numbers (1-based) as negative values.
    let transform: [Int]?
    /// For a calling code shared by regions: the national numbers that belong to this region.
    let leadingDigits: DigitPattern?
    let general: Description
    let localOnlyLengths: UInt32
    /// The patterns of the region's number types (fixed line, mobile, toll free…).
    let types: [Description]

    /// Reads one line of `PhoneMetadata.table`, as bytes.
    init(line: ArraySlice<UInt8>) {
        let fields = line.split(separator: UInt8(ascii: " ")).map { $0 == [UInt8(ascii: "-")] ? nil : Array($0) }
        precondition(fields.count >= 9, "a line of PhoneMetadata.table has too few fields")
        code = String(decoding: fields[0]!, as: UTF8.self)
        callingCode = Int(String(decoding: fields[1]!, as: UTF8.self))!
        internationalPrefix = fields[2].map(DigitPattern.init(utf8:))
        nationalPrefix = fields[3].map(DigitPattern.init(utf8:))
        transform = fields[4].map { rule in
            var parts: [Int] = []
            var escaped = false
            for c in rule {
                if c == UInt8(ascii: "\\") {
                    escaped = true
                } else {
                    parts.append(escaped ? -Int(c - UInt8(ascii: "0")) : Int(c - UInt8(ascii: "0")))
                    escaped = false
                }
            }
            return parts
        }
        leadingDigits = fields[5].map(DigitPattern.init(utf8:))
        general = Description(pattern: DigitPattern(utf8: fields[6]!), lengths: Self.bits(fields[7]))
        localOnlyLengths = Self.bits(fields[8])
        types = fields.dropFirst(9).map { field in
            let parts = field!.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            return Description(pattern: DigitPattern(utf8: Array(parts[0])), lengths: Self.bits(Array(parts[1])))
        }
    }

    /// Comma-separated lengths as bits; none for `-` (nil).
    private static func bits(_ lengths: [UInt8]?) -> UInt32 {
        guard let lengths, lengths != [UInt8(ascii: "-")] else { return 0 }
        return lengths.split(separator: UInt8(ascii: ",")).reduce(0) { bits, length in
            bits | 1 << length.reduce(0) { $0 * 10 + UInt32($1 - UInt8(ascii: "0")) }
        }
    }

    /// Whether `nsn` is a valid national significant number here: libphonenumber's number type is not unknown.
    func isValid(_ nsn: [UInt8]) -> Bool {
        general.matches(nsn) && types.contains { $0.matches(nsn) }
    }

    /// libphonenumber's `_test_number_length` against the general description.
    func lengthCheck(_ count: Int) -> LengthCheck {
        if count < 32, localOnlyLengths & (1 << UInt32(count)) != 0 { return .localOnly }
        let lengths = general.lengths
        let minimum = lengths.trailingZeroBitCount
        let maximum = 31 - lengths.leadingZeroBitCount
        if count == minimum { return .possible }
        if count < minimum { return .tooShort }
        if count > maximum { return .tooLong }
        return lengths & (1 << UInt32(count)) != 0 ? .possible : .invalid
    }

    /// libphonenumber's `_maybe_strip_national_prefix_carrier_code`: the number without its national (trunk)
    /// prefix, transformed where the region says so, or unchanged when there is none or stripping would leave
    /// a number that no longer fits while the original did.
    func strippingNationalPrefix(_ number: [UInt8]) -> [UInt8] {
        guard !number.isEmpty, let nationalPrefix, let match = nationalPrefix.matchPrefix(number) else {
            return number
        }
        let viableOriginal = general.pattern.matchesAll(number)
        let result: [UInt8]
        if let transform, let last = match.groups.last, last != nil {
            result =
                transform.flatMap { part -> [UInt8] in
                    guard part < 0 else { return [UInt8(part)] }
                    return match.groups[-part - 1].map { Array(number[$0]) } ?? []
                } + number[match.end...]
        } else {
            result = Array(number[match.end...])
        }
        if viableOriginal && !general.pattern.matchesAll(result) { return number }
        return result
    }
}

extension PhoneRegion {
    /// Every region, in the table's order.
    static let all: [PhoneRegion] = Array(PhoneMetadata.table.utf8).split(separator: UInt8(ascii: "\n")).map {
        PhoneRegion(line: $0)
    }

    /// The geographic regions by alpha-2 code.
    static let byCode: [String: PhoneRegion] = Dictionary(
        all.filter { $0.code != "001" }.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })

    /// The regions of each calling code, its main region first.
    static let byCallingCode: [Int: [PhoneRegion]] = Dictionary(grouping: all, by: \.callingCode)
}
