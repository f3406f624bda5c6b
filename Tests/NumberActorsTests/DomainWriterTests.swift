@testable import NumberActors
import Testing

/// The codec's writer owns a growing buffer: whatever the sizes, it writes the documented bytes, and the
/// usage ledger's id hash is FNV-1a 64 however the id's text is stored.
@Suite struct DomainWriterTests {
    @Test func growsPastItsInitialCapacityWithoutLosingBytes() throws {
        var writer = DomainWriter(capacity: 1)
        var expected: [UInt8] = []
        for i in 0..<1_000 {
            writer.u8(UInt8(truncatingIfNeeded: i))
            expected.append(UInt8(truncatingIfNeeded: i))
        }
        let long = String(repeating: "x", count: 5_000)
        writer.string(long)
        expected += [0x88, 0x27] + Array(long.utf8)
        #expect(writer.bytes == expected)
        #expect(writer.count == expected.count)
        // `bytes` is a copy: writing on does not change an earlier copy.
        let before = writer.bytes
        writer.u8(7)
        #expect(before == expected)
        #expect(writer.bytes == expected + [7])
    }

    @Test func varintsAndWordsAtTheirBoundaries() throws {
        var writer = DomainWriter()
        writer.uvarint(0)
        writer.uvarint(0x7F)
        writer.uvarint(0x80)
        writer.uvarint(UInt64.max)
        writer.svarint(-1)
        writer.svarint(Int64.min)
        writer.u64(0x0102_0304_0506_0708)
        #expect(writer.bytes == [0x00, 0x7F, 0x80, 0x01]
            + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
            + [0x01]
            + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
            + [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01])
        var reader = DomainReader(copying: writer.bytes)
        #expect(try reader.uvarint() == 0)
        #expect(try reader.uvarint() == 0x7F)
        #expect(try reader.uvarint() == 0x80)
        #expect(try reader.uvarint() == UInt64.max)
        #expect(try reader.svarint() == -1)
        #expect(try reader.svarint() == Int64.min)
        #expect(try reader.u64() == 0x0102_0304_0506_0708)
        try reader.finish()
    }

    @Test func stringsOfEveryStorageRoundTrip() throws {
        // Empty, inline (small), heap, non-ASCII, and a substring-built string.
        let texts = ["", "+14155550101", "evt_1NirD82eZvKYlo2CH9kGhWnV", "Grüße, 東京 📞", String("abc:def:ghi".split(separator: ":")[1])]
        var writer = DomainWriter()
        for text in texts { writer.string(text) }
        writer.optionalString(nil)
        writer.optionalString("x")
        var reader = DomainReader(copying: writer.bytes)
        for text in texts { #expect(try reader.string() == text) }
        #expect(try reader.optionalString() == nil)
        #expect(try reader.optionalString() == "x")
        try reader.finish()
    }

    @Test func ledgerHashIsFNV1aOfTagAndText() {
        func reference(_ tag: UInt8, _ text: String) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in [tag] + Array(text.utf8) { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return h
        }
        for text in ["", "cdr_1", "0f8fad5b-d9cb-469f-a165-70867728950e", "sms-é-✓"] {
            #expect(UsageLedger.hash(.call, text) == reference(1, text))
            #expect(UsageLedger.hash(.sms, text) == reference(2, text))
            #expect(UsageLedger.hash(.voicemail, text) == reference(3, text))
        }
        // FNV-1a 64 of the single byte 0x01 (a call with an empty id), a fixed value.
        #expect(UsageLedger.hash(.call, "") == 0xAF63_BC4C_8601_B62C)
    }
}
