import NumberActors
import Server
import Testing

/// The shared reading rules: E.164 numbers, provider timestamps, Base64 text and error codes.
@Suite struct DIDWWInputTests {
    @Test(arguments: [("+442071838750", "442071838750"), ("442071838750", "442071838750"),
                      ("+44 20 7183-8750", "442071838750"), ("+1 (415) 555.0100", "14155550100"),
                      ("972397239159092", "972397239159092")])
    func e164NumbersNormalizeToDigits(text: String, digits: String) {
        #expect(E164.digits(text) == digits)
        #expect(E164.normalized(text) == "+" + digits)
    }

    @Test(arguments: ["", "+", "abc", "44+20", "++44", "4420718387501234", "44 20 x", "%2B44", "44\u{0}1"])
    func badNumbersAreRefused(text: String) {
        #expect(E164.digits(text) == nil)
    }

    @Test func timesInEveryProviderForm() {
        // 2019-10-31 14:50:18 UTC
        let t: UnixSeconds = 1_572_533_418
        #expect(ProviderTime.parse("2019-10-31 14:50:18.930234") == t)
        #expect(ProviderTime.parse("2019-10-31T14:50:18Z") == t)
        #expect(ProviderTime.parse("2019-10-31T14:50:18.5+00:00") == t)
        #expect(ProviderTime.parse("2019-10-31T16:50:18+02:00") == t)
        #expect(ProviderTime.parse("2019-10-31T09:50:18-0500") == t)
        #expect(ProviderTime.parse("Thu, 31 Oct 2019 14:50:18 GMT") == t)
        #expect(ProviderTime.parse("31 Oct 2019 14:50:18 +0000") == t)
        #expect(ProviderTime.parse("Thu, 31 Oct 2019 15:50:18 +0100") == t)
        #expect(ProviderTime.parse("1572533418") == t)
        #expect(ProviderTime.parse(" 2019-10-31 14:50 ") == t - 18)
        #expect(ProviderTime.parse("2024-02-29T00:00:00Z") == 1_709_164_800)
        #expect(ProviderTime.parse("1970-01-01 00:00:00") == 0)
    }

    @Test(arguments: ["", "yesterday", "2019-13-01 00:00:00", "2019-02-29 00:00:00", "2019-10-31 24:00:00",
                      "2019-10-31", "2019-10-31 14:50:18 PST", "Thu, 31 Foo 2019 14:50:18 GMT",
                      "Thu, 31 Oct 2019 14:50:18", "2019-10-31T14:50:18+25:00", "12345678901234", "2019-10-31 14:50:18 x"])
    func badTimesAreRefused(text: String) {
        #expect(ProviderTime.parse(text) == nil)
    }

    @Test func base64InEveryAlphabet() {
        let text = Array("Grüße ☎ +1".utf8)
        #expect(Base64Text.decode("R3LDvMOfZSDimI4gKzE=") == text)
        #expect(Base64Text.decode("R3LDvMOfZSDimI4gKzE") == text)
        #expect(Base64Text.decode("R3LDvMOf\r\nZSDimI4gKzE=") == text)
        // `+` and `/` versus the URL-safe `-` and `_`, and a `+` that a form decoded into a space.
        #expect(Base64Text.decode("+/+/") == [0xFB, 0xFF, 0xBF])
        #expect(Base64Text.decode("-_-_") == [0xFB, 0xFF, 0xBF])
        #expect(Base64Text.decode(" / /") == [0xFB, 0xFF, 0xBF])
        #expect(Base64Text.decode("") == [])
    }

    @Test(arguments: ["A", "QQ=x", "QQ===", "Q!==", "ÄÖ"])
    func badBase64IsRefused(text: String) {
        #expect(Base64Text.decode(text) == nil)
    }

    @Test func errorsSayWhatIsWrongAndCarryTheContractCode() {
        let missing = DIDWWInputError(.missingField("uuid"))
        #expect(missing.code == "invalid_payload" && missing.status == 400)
        #expect(missing.message == "the uuid field is missing or empty")
        let tooMany = DIDWWInputError(.tooManyRecords(count: 1001, limit: 1000))
        #expect(tooMany.code == "payload_too_large" && tooMany.status == 413)
        #expect(DIDWWInputError(.invalidField("to", expected: "an E.164 number")).message == "the to field must be an E.164 number")
    }
}
