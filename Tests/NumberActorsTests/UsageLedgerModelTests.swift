import Testing
@testable import NumberActors

/// The usage ledger (one word buffer) against a plain model of months and hash sets, over seeded random
/// traffic with duplicates, months out of order and months that close.
@Suite struct UsageLedgerModelTests {
    struct Model {
        var months: [Int: MonthUsage] = [:]
        var counted: [Int: Set<UInt64>] = [:]

        mutating func record(_ traffic: UsageLedger.Traffic, id: String, ordinal: Int, seconds: Int64) -> String {
            if let latest = months.keys.max(), ordinal <= latest - UsageLedger.monthsRetained { return "closed" }
            let key = UsageLedger.hash(traffic, id)
            if counted[ordinal, default: []].contains(key) { return "duplicate" }
            counted[ordinal, default: []].insert(key)
            var usage = months[ordinal, default: MonthUsage()]
            switch traffic {
            case .call: usage.calls += 1; usage.callSeconds += seconds
            case .sms: usage.smsIn += 1
            case .voicemail: usage.voicemails += 1
            }
            months[ordinal] = usage
            let latest = months.keys.max()!
            for old in months.keys where old <= latest - UsageLedger.monthsRetained {
                months[old] = nil
                counted[old] = nil
            }
            return "counted"
        }
    }

    @Test(arguments: [1, 2, 3, 17, 2026] as [UInt64])
    func randomTrafficMatchesTheModel(seed: UInt64) throws {
        var rng = EngineRNG(seed: seed)
        var ledger = UsageLedger()
        var model = Model()
        let base = UsageMonth(year: 2026, month: 1).ordinal
        for step in 0..<600 {
            let traffic: UsageLedger.Traffic = [.call, .sms, .voicemail][Int.random(in: 0..<3, using: &rng)]
            let id = "id_\(Int.random(in: 0..<120, using: &rng))"
            let ordinal = base + Int.random(in: 0..<(step < 300 ? 3 : 8), using: &rng)
            let seconds = Int64.random(in: 0..<300, using: &rng)
            let outcome = ledger.record(traffic, id: id, in: UsageMonth(ordinal: ordinal)) { usage in
                switch traffic {
                case .call: usage.calls += 1; usage.callSeconds += seconds
                case .sms: usage.smsIn += 1
                case .voicemail: usage.voicemails += 1
                }
            }
            let expected = model.record(traffic, id: id, ordinal: ordinal, seconds: seconds)
            let got: String
            switch outcome {
            case .counted: got = "counted"
            case .duplicate: got = "duplicate"
            case .monthClosed: got = "closed"
            }
            try #require(got == expected, "seed \(seed), step \(step)")
            try #require(ledger.months == Dictionary(uniqueKeysWithValues: model.months.map { (UsageMonth(ordinal: $0.key), $0.value) }),
                         "seed \(seed), step \(step)")
            try #require(ledger.counted == Dictionary(uniqueKeysWithValues: model.counted.map { (UsageMonth(ordinal: $0.key), $0.value) }),
                         "seed \(seed), step \(step)")
            if let latest = model.months.keys.max() {
                try #require(ledger.latest?.month == UsageMonth(ordinal: latest) && ledger.latest?.usage == model.months[latest])
            }
        }
        // The codec gives back an equal ledger, and so does building it from its months and hashes.
        var writer = DomainWriter()
        writer.write(ledger)
        var reader = DomainReader(copying: writer.bytes)
        let decoded: UsageLedger = try reader.read()
        #expect(decoded == ledger)
        #expect(UsageLedger(months: ledger.months, counted: ledger.counted) == ledger)
    }
}
