import Testing
@testable import NumberActors

/// DIDWW's order callback names the order; the DID it bought may be learnt later (read from the order by the
/// routing effect). The number ends with the order's DID whichever of the two events comes first.
@Suite struct NumberOrderDIDTests {
    @Test func aLaterEventOfTheSameOrderFillsInItsDIDInEitherOrder() {
        let callback = event(.orderCompleted(orderID: "ord_1", didID: ""), "didww_ord_1_completed", at: 100)
        let learnt = event(.orderCompleted(orderID: "ord_1", didID: "did_9"), "num_1:4:0:order_completed:ab", at: 200)
        var results: [NumberFacts] = []
        for events in [[callback, learnt], [learnt, callback]] {
            var h = Harness.ordered()
            for event in events { h.apply(event) }
            #expect(h.state.didwwDIDID == "did_9")
            #expect(h.status.state == .active)
            results.append(h.state.facts)
        }
        #expect(results[0] == results[1])
    }

    @Test func anotherOrderOrAnotherDIDDoesNotReplaceTheKeptOne() {
        var h = Harness.live()
        h.apply(.orderCompleted(orderID: "ord_2", didID: "did_2"))
        #expect(h.lastOutcome == .ignored(reason: IgnoreReason.alreadyLive))
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_other"))
        #expect(h.lastOutcome == .ignored(reason: IgnoreReason.alreadyLive))
        #expect(h.state.didwwDIDID == "did_1")
    }
}
