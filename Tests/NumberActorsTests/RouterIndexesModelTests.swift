@testable import NumberActors
import Testing
import TestSupport

/// The router's indexes against a reference made of dictionaries (how they were first written), over long
/// seeded runs of `learn`, `restore` and `resolve`, and the cases the engine relies on.
@Suite struct RouterIndexesModelTests {
    struct Model {
        var single: [RouteKey: String] = [:]
        var customers: [String: RouterIndexes.CustomerNumbers] = [:]

        mutating func learn(_ keys: [RouteKey], number: String) -> RouterIndexes.Learned {
            var learned = RouterIndexes.Learned()
            for key in keys where !key.value.isEmpty {
                if key.kind == .customer {
                    if let existing = customers[key.value] {
                        var updated = existing
                        updated.add(number)
                        if updated != existing {
                            customers[key.value] = updated
                            learned.granted.append(key)
                        }
                    } else {
                        customers[key.value] = .one(number)
                        learned.granted.append(key)
                        learned.routable.append(key)
                    }
                } else if single[key] == nil {
                    single[key] = number
                    learned.granted.append(key)
                    learned.routable.append(key)
                }
            }
            return learned
        }

        mutating func restore(_ key: RouteKey, number: String) {
            if key.kind == .customer {
                customers[key.value, default: .one(number)].add(number)
            } else {
                single[key] = number
            }
        }

        func resolve(_ keys: [RouteKey]) -> String? {
            for kind in RouterIndexes.priority {
                for key in keys where key.kind == kind {
                    if kind == .customer {
                        if case .one(let number) = customers[key.value] { return number }
                    } else if let number = single[key] {
                        return number
                    }
                }
            }
            return nil
        }
    }

    /// Short (inline) and long (heap) strings, non-ASCII ones, and the empty one.
    static func value(_ rng: inout SplitMix64, pool: Int) -> String {
        let index = Int.random(in: 0..<pool, using: &rng)
        switch index % 4 {
        case 0: return "k\(index)"
        case 1: return "a-rather-long-provider-identifier-\(index)"
        case 2: return "clé-\(index)-ü"
        default: return index % 40 == 3 ? "" : "\(index)"
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func matchesTheModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let pool = [20, 300, 5000][Int(seed % 3)]
        var router = RouterIndexes()
        var model = Model()
        if seed % 2 == 0 { router.reserve(.e164, keys: pool / 3) }
        for step in 0..<20_000 {
            let keys = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                RouteKey(normalized: RouteKey.Kind.allCases.randomElement(using: &rng)!, Self.value(&rng, pool: pool))
            }
            let number = "num_\(Int.random(in: 0..<(pool / 2 + 1), using: &rng))"
            switch Int.random(in: 0..<3, using: &rng) {
            case 0:
                let learned = router.learn(keys, number: number)
                let expected = model.learn(keys, number: number)
                if learned != expected {
                    Issue.record("seed \(seed), step \(step): learn(\(keys), \(number)) gave \(learned), not \(expected)")
                    return
                }
            case 1:
                for key in keys {
                    router.restore(key, number: number)
                    model.restore(key, number: number)
                }
            default:
                if router.resolve(keys) != model.resolve(keys) {
                    Issue.record("seed \(seed), step \(step): resolve(\(keys)) is \(router.resolve(keys) ?? "nil"), not \(model.resolve(keys) ?? "nil")")
                    return
                }
            }
        }
        #expect(router.single == model.single, "seed \(seed)")
        #expect(router.customers == model.customers, "seed \(seed)")
        #expect(router.entryCount == model.single.count + model.customers.values.reduce(0) { $0 + $1.count }, "seed \(seed)")
    }

    @Test func firstLearnedWinsForSingleKeysAndRestoreTakesTheLast() {
        var router = RouterIndexes()
        let subscription = RouteKey(.subscription, "sub_1")
        let first = router.learn([subscription], number: "num_a")
        let second = router.learn([subscription], number: "num_b")
        #expect(first.granted == [subscription] && first.routable == [subscription])
        #expect(second.granted.isEmpty && second.routable.isEmpty)
        #expect(router.resolve([subscription]) == "num_a")
        router.restore(subscription, number: "num_b")
        #expect(router.resolve([subscription]) == "num_b")
        // The same value under another kind is another key.
        #expect(router.resolve([RouteKey(.charge, "sub_1")]) == nil)
    }

    @Test func aCustomerRoutesWhileItHasOneNumber() {
        var router = RouterIndexes()
        let customer = RouteKey(.customer, "cus_1")
        #expect(router.learn([customer], number: "num_a").routable == [customer])
        #expect(router.resolve([customer]) == "num_a")
        #expect(router.learn([customer], number: "num_a").granted.isEmpty)
        let second = router.learn([customer], number: "num_b")
        #expect(second.granted == [customer] && second.routable.isEmpty)
        #expect(router.resolve([customer]) == nil)
        #expect(router.learn([customer], number: "num_b").granted.isEmpty)
        #expect(router.customers["cus_1"] == .many(["num_a", "num_b"]))
        #expect(router.entryCount == 2)
        // A more specific key still routes.
        _ = router.learn([RouteKey(.e164, "+1 415 555 0100")], number: "num_b")
        #expect(router.resolve([customer, RouteKey(.e164, "14155550100")]) == "num_b")
    }

    @Test func resolveFollowsThePriorityNotTheOrderOfTheKeys() {
        var router = RouterIndexes()
        _ = router.learn([RouteKey(.customer, "cus_1")], number: "num_customer")
        _ = router.learn([RouteKey(.e164, "14155550100")], number: "num_e164")
        _ = router.learn([RouteKey(.subscription, "sub_1")], number: "num_subscription")
        let keys = [RouteKey(.customer, "cus_1"), RouteKey(.e164, "14155550100"), RouteKey(.subscription, "sub_1")]
        #expect(router.resolve(keys) == "num_subscription")
        #expect(router.resolve(Array(keys.prefix(2))) == "num_e164")
        #expect(router.resolve([RouteKey(.subscription, "sub_unknown"), RouteKey(.customer, "cus_1")]) == "num_customer")
    }

    /// Equal indexes built in different orders, and through growth or a reservation, compare equal.
    @Test func equalityIgnoresOrderAndSizing() {
        let keys = (0..<2000).map { RouteKey(.didwwOrder, "order-\($0)") }
        var forward = RouterIndexes()
        var backward = RouterIndexes()
        backward.reserve(.didwwOrder, keys: 2000)
        for key in keys { forward.restore(key, number: "n\(key.value.count)") }
        for key in keys.reversed() { backward.restore(key, number: "n\(key.value.count)") }
        #expect(forward == backward)
        backward.restore(keys[7], number: "other")
        #expect(forward != backward)
    }

    /// `EngineState.rebuildRouter` builds the single keys and the customers apart and joins them: the same
    /// indexes as restoring every number's keys.
    @Test func rebuildingFromTheNumbersGivesTheRestoredIndexes() {
        var state = EngineState()
        var restored = RouterIndexes()
        for index in 0..<3000 {
            let keys = [RouteKey(.customer, "cus_\(index % 1000)"), RouteKey(.e164, "1415\(index)"), RouteKey(.subscription, "sub_\(index)")]
            let id = "num_\(index)"
            state.numbers[id] = NumberEntry(state: NumberState(id: id), keys: keys)
            for key in keys { restored.restore(key, number: id) }
        }
        state.rebuildRouter()
        #expect(state.router == restored)
        #expect(state.router.resolve([RouteKey(.e164, "+1 4152999")]) == "num_2999")
        #expect(state.router.customers["cus_7"] == .many(["num_7", "num_1007", "num_2007"]))
    }
}
