import Testing

@testable import BridgeCore

/// `EmailAddress`: the one-walk ASCII check on the hot path agrees with the general check by Unicode properties.
@Suite struct EmailAddressTests {
    @Test func knownAddresses() {
        for valid in [
            "ada@example.com", "ada.lovelace+crm@mail.example.co.uk", "a_b-c@x-y.io", "o'neil@example.ie",
            "1@2.fr", "x@" + String(repeating: "a", count: 63) + ".com", String(repeating: "l", count: 64) + "@ex.am",
        ] {
            #expect(EmailAddress.isValid(valid), "\(valid)")
        }
        for invalid in [
            "", "@", "ada", "ada@", "@example.com", "ada@example", "ada..x@example.com", ".ada@example.com",
            "ada.@example.com", "ada@exa mple.com", "a@b.c", "ada@-x.com", "ada@x-.com", "ada@x..com", "ada@.x.com",
            "ada@x.com.", "ada@x.c0m", "a@b@example.com", "ada@" + String(repeating: "a", count: 64) + ".com",
            String(repeating: "l", count: 65) + "@ex.am", "ada(x)@example.com",
        ] {
            #expect(!EmailAddress.isValid(invalid), "\(invalid)")
        }
    }

    /// Random ASCII text, shaped like addresses more often than not: local parts and labels up to 70 long (past
    /// the 64 and 63 limits), any of the 128 ASCII bytes now and then.
    private func randomText(_ generator: inout SplitMix64) -> String {
        let local = Array("abcXYZ0189!#$%&'*+/=?^_`{|}~.-".utf8)
        let label = Array("abzAZ09-".utf8)
        func run(_ alphabet: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
            let count = Int.random(in: 0...70, using: &generator)
            return (0..<count).map { _ in
                Int.random(in: 0..<40, using: &generator) == 0
                    ? UInt8.random(in: 0...127, using: &generator) : alphabet.randomElement(using: &generator)!
            }
        }
        if Int.random(in: 0..<4, using: &generator) == 0 {
            return String(decoding: run((0...127).map { UInt8($0) }, &generator), as: UTF8.self)
        }
        var bytes = run(local, &generator) + [UInt8(ascii: "@")]
        for i in 0..<Int.random(in: 1...3, using: &generator) {
            if i > 0 { bytes.append(UInt8(ascii: ".")) }
            bytes += run(label, &generator)
        }
        bytes += Array([".com", ".c", ".c0m", "", ".-"].randomElement(using: &generator)!.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func asciiWalkAgreesWithUnicodeRules() {
        var generator = SplitMix64(state: 5322)
        var valid = 0
        for _ in 0..<30_000 {
            let text = randomText(&generator)
            let ascii = EmailAddress.isValid(text)
            #expect(ascii == EmailAddress.isValidUnicode(text), "\(text)")
            if ascii { valid += 1 }
        }
        // The generator reaches both sides of the rules.
        #expect(valid > 300 && valid < 29_000, "\(valid) valid of 30,000")
    }

    @Test func normalizeAgreesWithTheGeneralRules() {
        #expect(EmailAddress.normalize(" MAILTO:Ada@Example.COM ") == "ada@example.com")
        #expect(EmailAddress.normalize("Ada Lovelace <Ada@Example.com>") == "ada@example.com")
        #expect(EmailAddress.normalize("\tada@example.com\n") == "ada@example.com")
        #expect(EmailAddress.normalize("ada@example") == nil)
        var generator = SplitMix64(state: 822)
        for _ in 0..<10_000 {
            var text = randomText(&generator)
            if Bool.random(using: &generator) { text = "  mailto:" + text.uppercased() + " \t" }
            // The general way, as `normalize` takes it for text that is not ASCII.
            var general = text.trimmed.lowercased()
            if general.hasPrefix("mailto:") { general.removeFirst(7) }
            let expected = !text.contains("<") && EmailAddress.isValidUnicode(general) ? general : nil
            if !text.contains("<") { #expect(EmailAddress.normalize(text) == expected, "\(text)") }
        }
    }
}
