import NumberActors
import Testing

@Suite struct DedupeWindowTests {
    static let day: Int64 = 24 * 3600 * 1_000_000_000

    /// Reference values from the `mmh3` Python package (hash128, seed 0, x64): low 64 bits = h1.
    @Test func keysAreMurmur3x64_128() {
        func hash(_ text: String) -> DedupeKey { Array(text.utf8).withUnsafeBytes { DedupeKey.murmur3($0) } }
        #expect(hash("") == DedupeKey(h1: 0, h2: 0))
        #expect(hash("a") == DedupeKey(h1: 0x8555_5565_F659_7889, h2: 0xE6B5_3A48_510E_895A))
        #expect(hash("evt_1NG8Du2eZvKYlo2CcRd7xTpn") == DedupeKey(h1: 0x1D29_895E_160D_6915, h2: 0x30B4_6021_E96D_367E))
        #expect(hash("0123456789abcdef0123") == DedupeKey(h1: 0x8047_0581_42D9_440A, h2: 0x8E8D_677A_FF9A_9087))
    }

    @Test func sourceIsPartOfTheKey() {
        #expect(DedupeKey(source: "stripe", id: "x1") != DedupeKey(source: "didww-sms", id: "x1"))
        #expect(DedupeKey(source: "stripe", id: "x1") == DedupeKey(source: "stripe", id: "x1"))
    }

    @Test func aRepeatWithinTheWindowIsRefused() {
        var window = DedupeWindow()
        let key = DedupeKey(source: "stripe", id: "evt_1")
        let first = window.insert(key, time: 0)
        let repeated = window.insert(key, time: 3 * Self.day)
        #expect(first)
        #expect(!repeated)
        #expect(window.count == 1)
    }

    @Test func keysExpireAfterSevenDaysOfJournalTime() {
        var window = DedupeWindow()
        let key = DedupeKey(source: "stripe", id: "evt_1")
        window.insert(key, time: 0)
        window.insert(DedupeKey(source: "stripe", id: "evt_2"), time: 7 * Self.day)
        #expect(window.contains(key))
        window.insert(DedupeKey(source: "stripe", id: "evt_3"), time: 7 * Self.day + 1)
        #expect(!window.contains(key))
        #expect(window.evictedEarly == 0)
    }

    @Test func theCountBoundEvictsOldestFirstAndCountsIt() {
        var window = DedupeWindow(capacity: 3)
        let keys = (0..<5).map { DedupeKey(source: "cdr", id: "c\($0)") }
        for (index, key) in keys.enumerated() { window.insert(key, time: Int64(index)) }
        #expect(window.count == 3)
        #expect(!window.contains(keys[0]) && !window.contains(keys[1]))
        #expect(window.contains(keys[2]) && window.contains(keys[4]))
        #expect(window.evictedEarly == 2)
    }

    @Test func rebuildingFromEntriesGivesTheSameWindow() {
        var window = DedupeWindow(capacity: 5000)
        for index in 0..<12_000 { window.insert(DedupeKey(source: "sms", id: "u\(index)"), time: Int64(index) * 1_000_000_000) }
        let copy = DedupeWindow(entries: Array(window.orderedEntries), evictedEarly: window.evictedEarly, capacity: 5000)
        #expect(Array(copy.orderedEntries) == Array(window.orderedEntries))
        #expect(copy.count == window.count)
        #expect(copy.evictedEarly == window.evictedEarly)
        #expect(copy.contains(DedupeKey(source: "sms", id: "u11999")))
        #expect(!copy.contains(DedupeKey(source: "sms", id: "u0")))
    }
}
