@testable import NumberActors
import Testing

/// Recovery rebuilds the indexes with `restore` (in any order of numbers): it must end where `learn` ends.
@Suite struct RouterRestoreTests {
    @Test func restoreMatchesLearnForSharedCustomersAndSingleKeys() {
        let grants: [(String, [RouteKey])] = [
            ("num_a", [RouteKey(.customer, "cus_1"), RouteKey(.e164, "+14150000001"), RouteKey(.subscription, "sub_a")]),
            ("num_b", [RouteKey(.customer, "cus_1"), RouteKey(.e164, "+14150000002")]),
            ("num_c", [RouteKey(.customer, "cus_1")]),
            ("num_d", [RouteKey(.customer, "cus_2")]),
        ]
        var learned = RouterIndexes()
        var restored = RouterIndexes()
        var reversed = RouterIndexes()
        for (number, keys) in grants {
            let granted = learned.learn(keys, number: number).granted
            for key in granted { restored.restore(key, number: number) }
        }
        for (number, keys) in grants.reversed() {
            for key in keys { reversed.restore(key, number: number) }
            // Restoring a key twice (a snapshot entity and a replayed record) changes nothing.
            for key in keys { reversed.restore(key, number: number) }
        }
        #expect(restored == learned)
        #expect(reversed == learned)
        #expect(learned.customers["cus_1"] == .many(["num_a", "num_b", "num_c"]))
        #expect(learned.customers["cus_2"] == .one("num_d"))
    }
}
