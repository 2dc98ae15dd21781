import Testing

@testable import BridgeCore

/// `phone()` on the cases that need libphonenumber's rules; the expected answers are libphonenumber's.
/// `scripts/phone-check.py` compares the two on a corpus of about 100,000 inputs.
@Suite struct PhoneNumberTests {
    private func phone(_ text: String, _ region: String? = nil) -> String? {
        PhoneNumber.e164(text, region: region)
    }

    @Test func nationalNumbersLoseTheirTrunkPrefix() {
        #expect(phone("06 12 34 56 78", "FR") == "+33612345678")
        #expect(phone("020 7946 0018", "GB") == "+442079460018")
        #expect(phone("030 901820", "Germany") == "+4930901820")
        #expect(phone("8 (912) 345-67-89", "RU") == "+79123456789")
        #expect(phone("8 800 555 35 35", "RU") == "+78005553535")
        #expect(phone("06 1 234 5678", "HU") == "+3612345678")
        #expect(phone("0412 345 678", "AU") == "+61412345678")
        #expect(phone("03-1234-5678", "JP") == "+81312345678")
    }

    @Test func italyKeepsItsLeadingZero() {
        #expect(phone("02 1234 5678", "IT") == "+390212345678")
        #expect(phone("+39 02 1234 5678") == "+390212345678")
        #expect(phone("312 345 6789", "IT") == "+393123456789")
    }

    @Test func aTrunkPrefixWrittenAfterTheCallingCodeIsDropped() {
        #expect(phone("+44 (0) 20 7946 0018") == "+442079460018")
        #expect(phone("+33 (0)6 12 34 56 78") == "+33612345678")
        #expect(phone("+61 (0)2 1234 5678") == "+61212345678")
        #expect(phone("+36 06 1 234 5678") == "+3612345678")
    }

    @Test func internationalPrefixesAreTheRegions() {
        #expect(phone("0033 6 12 34 56 78", "FR") == "+33612345678")
        #expect(phone("011 44 20 7946 0018", "US") == "+442079460018")
        #expect(phone("0011 44 20 7946 0018", "AU") == "+442079460018")
        // 00 is not how one dials abroad from the US: libphonenumber reads a (bad) US number.
        #expect(phone("0044 20 7946 0018", "US") == nil)
        // With no region at all, 00 is read as international (phone()'s own rule).
        #expect(phone("0044 20 7946 0018") == "+442079460018")
        #expect(phone("0044 20 7946 0018", "") == "+442079460018")
    }

    @Test func theRegionsOwnCallingCodeWithoutPlus() {
        #expect(phone("33 6 12 34 56 78", "FR") == "+33612345678")
        #expect(phone("49 30 901820", "DE") == "+4930901820")
        #expect(phone("1 415 555 0132", "US") == "+14155550132")
    }

    @Test func sharedCallingCodes() {
        #expect(phone("(415) 555-0132", "CA") == "+14155550132")
        #expect(phone("464 1234", "AG") == "+12684641234")  // 7 local digits get Antigua's area code
        #expect(phone("(268) 464-1234", "US") == "+12684641234")
        #expect(phone("8 (7172) 58-74-52", "KZ") == "+77172587452")
        #expect(phone("8 (7172) 58-74-52", "RU") == "+77172587452")
        #expect(phone("01481 256789", "GG") == "+441481256789")
        #expect(phone("07624 123456", "GB") == "+447624123456")
    }

    @Test func argentinaAndMexico() {
        // Argentina: a national mobile is 0 + area code + 15 + number; internationally 9 + area code + number.
        #expect(phone("011 15-2345-6789", "AR") == "+5491123456789")
        #expect(phone("+54 9 11 2345-6789") == "+5491123456789")
        #expect(phone("+54 11 2345-6789") == "+541123456789")
        // Mexico dropped the 1 after +52 for mobiles in 2019, and the 044 prefix.
        #expect(phone("+52 55 1234 5678") == "+525512345678")
        #expect(phone("+52 1 55 1234 5678") == nil)
        #expect(phone("044 55 1234 5678", "MX") == nil)
    }

    @Test func brazilAndNonGeographicNumbers() {
        #expect(phone("(11) 98765-4321", "BR") == "+5511987654321")
        #expect(phone("0 21 11 98765-4321", "BR") == "+5511987654321")  // 21: a carrier code
        #expect(phone("+800 1234 5678") == "+80012345678")
    }

    @Test func labelsSecondNumbersAndOtherDigitsAsLibphonenumber() {
        #expect(phone("tel: +33 6 12 34 56 78") == "+33612345678")
        #expect(phone("tel:+33-6-12-34-56-78") == "+33612345678")
        #expect(phone("06 12 34 56 78 / x 12", "FR") == "+33612345678")  // `/ x` starts a second number
        #expect(phone("０６ １２ ３４ ５６ ７８", "FR") == "+33612345678")
        #expect(phone("٠٦١٢٣٤٥٦٧٨", "FR") == "+33612345678")
        #expect(phone("06\u{A0}12\u{A0}34\u{A0}56\u{A0}78", "FR") == "+33612345678")
    }

    @Test func extensionsAreDropped() {
        #expect(phone("020 7946 0018 ext. 12", "GB") == "+442079460018")
        #expect(phone("+33 6 12 34 56 78 x 12") == "+33612345678")
        #expect(phone("+33612345678;ext=7") == "+33612345678")
        #expect(phone("+33 6 12 34 56 78 extension 9") == "+33612345678")
        #expect(phone("+33 6 12 34 56 78 #12") == "+33612345678")
    }

    @Test func invalidOrDoubtfulInputIsNull() {
        #expect(phone("12 34 56 78", "NO") == nil)  // a number Norway has not allocated
        #expect(phone("0612345678", "BE") == nil)
        #expect(phone("06 12 34 56 7", "FR") == nil)
        #expect(phone("06 12 34 56 789", "FR") == nil)
        #expect(phone("+999 123 456 789") == nil)
        // Letters are never guessed: libphonenumber reads 3 or more as a vanity number and drops 1 or 2.
        #expect(phone("1-800-FLOWERS", "US") == nil)
        #expect(phone("800 123456 abc", "AE") == nil)  // libphonenumber: +971800123456222
        #expect(phone("+971800123O56") == nil)  // libphonenumber: +97180012356
        #expect(phone("+33612345678;ext=7#") == nil)  // not an extension for libphonenumber
        #expect(phone("06 12 34 56 78, 06 12 34 56 79", "FR") == nil)
        #expect(phone("06 12 34 56 78", "ZZ") == nil)
        #expect(phone("+", nil) == nil)
        #expect(phone("", "FR") == nil)
    }

    @Test func everyPatternOfTheMetadataCompiles() {
        #expect(PhoneRegion.all.count == 254)
        #expect(Set(PhoneRegion.all.map(\.callingCode)).count == 215)
        #expect(PhoneRegion.byCallingCode[44]?.map(\.code) == ["GB", "GG", "IM", "JE"])
    }

    @Test func digitPatternsMatchAsPython() {
        let digits = { (s: String) in s.utf8.map { $0 - UInt8(ascii: "0") } }
        let argentina = DigitPattern("0?(?:(11|2(?:2(?:02?|[13]))|3(?:3(?:2[79]|6)))15)?")
        let match = argentina.matchPrefix(digits("0111512345678"))
        #expect(match?.end == 5)
        #expect(match?.groups == [1..<3])
        #expect(argentina.matchPrefix(digits("0223"))?.groups == [nil])
        #expect(DigitPattern("([25-9]\\d{5})$|0|180020").matchPrefix(digits("256789"))?.groups == [0..<6])
        #expect(DigitPattern("[1-9]\\d{8}").matchesAll(digits("612345678")))
        #expect(!DigitPattern("[1-9]\\d{8}").matchesAll(digits("61234567")))
        #expect(DigitPattern("(?:1\\d{2,3}|2)\\d{2}").matchesAll(digits("12345")))
    }
}
