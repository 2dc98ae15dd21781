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

    @Test func asciiWalkAgreesWithUnicodeRules() {
        var generator = SplitMix64(state: 5322)
        let alphabet = Array("aZ9.@-+_!~ (\"".utf8) + Array("example.com".utf8)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...14, using: &generator)
            var bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
            // Most random strings have no `@` or several: put one in the middle of half of them.
            if Bool.random(using: &generator), count > 2 { bytes[count / 2] = UInt8(ascii: "@") }
            if Bool.random(using: &generator) { bytes += Array(".com".utf8) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(EmailAddress.isValid(text) == EmailAddress.isValidUnicode(text), "\(text)")
        }
    }
}
