@testable import NumberActors
import Testing
import TestSupport

/// The window against a plain reference model (an array in insertion order and a set), over long seeded
/// runs of random operations: expiry, the count bound, duplicates, keys that share a home slot and a tag,
/// index rebuilds, ring growth and wrap-around, rebuilding from snapshot entries, and copies.
@Suite struct DedupeWindowModelTests {
    /// The window's behaviour, written the obvious way.
    struct Model {
        let retention: Int64
        let capacity: Int
        var entries: [DedupeWindow.Entry] = []
        var members: Set<DedupeKey> = []
        var evictedEarly: UInt64 = 0

        mutating func expire(before cutoff: Int64) {
            while let first = entries.first, first.time < cutoff {
                members.remove(first.key)
                entries.removeFirst()
            }
        }

        mutating func insert(_ key: DedupeKey, time: Int64) -> Bool {
            expire(before: time &- retention)
            guard members.insert(key).inserted else { return false }
            entries.append(.init(key: key, time: time))
            if entries.count > capacity {
                members.remove(entries.removeFirst().key)
                evictedEarly += 1
            }
            return true
        }
    }

    /// Keys drawn from a small pool (so they repeat and come back after expiring); some share `h1` with
    /// others (same home slot, same tag), so only the full key tells them apart.
    static func pool(_ rng: inout SplitMix64, size: Int) -> [DedupeKey] {
        var keys: [DedupeKey] = []
        while keys.count < size {
            let h1 = rng.next()
            for _ in 0..<Int.random(in: 1...3, using: &rng) { keys.append(DedupeKey(h1: h1, h2: rng.next())) }
        }
        return keys
    }

    func check(_ window: DedupeWindow, _ model: Model, _ pool: [DedupeKey], seed: UInt64, step: Int) {
        let context = "seed \(seed), step \(step)"
        #expect(window.count == model.entries.count, "\(context)")
        #expect(window.evictedEarly == model.evictedEarly, "\(context)")
        #expect(window.orderedEntries == model.entries, "\(context)")
        for key in pool where window.contains(key) != model.members.contains(key) {
            Issue.record("\(context): contains(\(key)) is \(window.contains(key))")
            return
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func matchesTheModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let capacity = [3, 17, 100, 1000][Int(seed % 4)]
        let retention: Int64 = 1000
        let pool = Self.pool(&rng, size: capacity * 3)
        var window = DedupeWindow(retentionNanos: retention, capacity: capacity)
        var model = Model(retention: retention, capacity: capacity)
        var time: Int64 = 0
        for step in 0..<20_000 {
            let roll = Int.random(in: 0..<1000, using: &rng)
            if roll < 900 {
                // Mostly small steps; now and then a jump past the retention, or a step back.
                time += roll < 5 ? retention * 2 : roll < 10 ? -20 : Int64.random(in: 0...3, using: &rng)
                let key = pool.randomElement(using: &rng)!
                let inserted = window.insert(key, time: time)
                let expected = model.insert(key, time: time)
                if inserted != expected {
                    Issue.record("seed \(seed), step \(step): insert returned \(inserted)")
                    return
                }
            } else if roll < 950 {
                let cutoff = time - Int64.random(in: 0...retention, using: &rng)
                window.expire(before: cutoff)
                model.expire(before: cutoff)
            } else if roll < 970 {
                window = DedupeWindow(entries: window.orderedEntries, evictedEarly: window.evictedEarly,
                                      retentionNanos: retention, capacity: capacity)
            } else if roll < 990 {
                // A copy is a value: changing the original leaves it as it was.
                let copy = window
                let before = copy.orderedEntries
                window.insert(DedupeKey(h1: rng.next(), h2: rng.next()), time: time)
                window = copy
                #expect(window.orderedEntries == before, "seed \(seed), step \(step)")
            } else {
                check(window, model, pool, seed: seed, step: step)
            }
        }
        check(window, model, pool, seed: seed, step: -1)
    }

    /// A snapshot with more entries than the capacity (the capacity was lowered), and with repeated keys:
    /// the first of each key counts (a repeat of a key dropped for the capacity does not bring it back), and
    /// the newest `capacity` of those stay, without counting evictions.
    @Test func rebuildingFromMoreEntriesThanFitKeepsTheNewest() {
        let keys = (0..<50).map { DedupeKey(h1: UInt64($0 % 7), h2: UInt64($0)) }
        var entries = keys.enumerated().map { DedupeWindow.Entry(key: $0.element, time: Int64($0.offset)) }
        entries.insert(entries[45], at: 10)
        entries.append(entries[3])
        let window = DedupeWindow(entries: entries, evictedEarly: 4, capacity: 20)
        // entries: keys 0-9, 45, 10-44, 45 again, 46-49, 3 again.
        #expect(window.orderedEntries == Array(entries[30..<46] + entries[47..<51]))
        #expect(window.evictedEarly == 4)
        #expect(!window.contains(keys[3]) && !window.contains(keys[45]) && window.contains(keys[29]) && window.contains(keys[49]))
    }

    /// Keys that probe the same slots: after the first ones leave, the later ones are still found, and the
    /// first ones can come back.
    @Test func keysBehindExpiredOnesAreStillFound() {
        var window = DedupeWindow(retentionNanos: 10, capacity: 1000)
        let same = (0..<40).map { DedupeKey(h1: 0xABCD_EF01_2345_6789, h2: UInt64($0)) }
        for (index, key) in same.enumerated() { window.insert(key, time: Int64(index / 10) * 5) }
        // Times 0, 5, 10, 15 in groups of ten; at 15 the keys first seen at 0 have left.
        #expect(window.count == 30)
        for (index, key) in same.enumerated() { #expect(window.contains(key) == (index >= 10), "key \(index)") }
        for key in same[..<10] {
            let inserted = window.insert(key, time: 16)
            #expect(inserted)
        }
        #expect(window.count == 30)  // those seen at 5 left at 16
        for (index, key) in same.enumerated() { #expect(window.contains(key) == !(10..<20).contains(index), "key \(index)") }
    }

    /// Many times the capacity through a window that never expires by time: the ring wraps around many times,
    /// stale index slots pile up and are rebuilt away, and the newest keys are always the ones kept.
    @Test func aLongRunAtTheCountBound() {
        var window = DedupeWindow(capacity: 1000)
        var keys: [DedupeKey] = []
        for index in 0..<50_000 {
            let key = DedupeKey(source: "cdr", id: "c\(index)")
            keys.append(key)
            let inserted = window.insert(key, time: Int64(index))
            #expect(inserted)
        }
        #expect(window.count == 1000)
        #expect(window.evictedEarly == 49_000)
        #expect(window.orderedEntries.map(\.key) == Array(keys.suffix(1000)))
        #expect(!window.contains(keys[48_999]) && window.contains(keys[49_000]))
        let repeated = window.insert(keys[49_999], time: 50_000)
        #expect(!repeated)
    }

    /// Past one segment of the ring (65,536 entries): wrapping around, growing while wrapped (the count rises
    /// after a steady phase), and entries taken for a snapshot that stay as they were while the window moves on.
    @Test func segmentsWrapGrowAndKeepTakenEntries() {
        let retention: Int64 = 100_000
        var window = DedupeWindow(retentionNanos: retention, capacity: 500_000)
        // Times only go up and the capacity is never reached: the window holds the suffix of every entry
        // inserted whose time is within the retention.
        var all: [DedupeWindow.Entry] = []
        func expected(at time: Int64) -> [DedupeWindow.Entry] {
            let first = all.firstIndex { $0.time >= time - retention }!
            return Array(all[first...])
        }
        var taken: [(entries: DedupeWindow.Entries, expected: [DedupeWindow.Entry])] = []
        var time: Int64 = 0
        for index in 0..<700_000 {
            // One key per time unit at first (about 100,000 live), then four per unit (the ring grows, wrapped).
            if index < 300_000 || index % 4 == 0 { time += 1 }
            let key = DedupeKey(h1: UInt64(index) &* 0x9E37_79B9_7F4A_7C15, h2: UInt64(index))
            all.append(.init(key: key, time: time))
            let inserted = window.insert(key, time: time)
            #expect(inserted)
            if index % 150_001 == 150_000 { taken.append((window.entries, expected(at: time))) }
        }
        #expect(window.orderedEntries == expected(at: time))
        #expect(window.contains(all[699_999].key) && !window.contains(all[0].key))
        #expect(taken.count == 4)
        for (entries, expected) in taken {
            #expect(entries.count == expected.count)
            #expect(entries.slice(0..<entries.count) == expected)
            let middle = entries.count / 4..<(entries.count / 4 + entries.count / 2)
            #expect(entries.slice(middle) == Array(expected[middle]))
        }
    }
}
