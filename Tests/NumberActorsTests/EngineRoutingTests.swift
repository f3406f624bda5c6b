@testable import NumberActors
import Snapshot
import Testing

/// DESIGN.md §Routing: indexes, parking, automatic re-drive, operator assign/discard, the bounded parked list.
@Suite struct EngineRoutingTests {
    @Test func invoiceBeforeCheckoutIsParkedThenRedriven() async throws {
        let data = EF.tempData("route-park")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        _ = try await engine.ingest(EF.reserve("num_1", customer: "cus_1", e164: EF.e164(1)))
        let invoice = EF.invoicePaid("evt_inv", subscription: "sub_1", charge: "ch_1", periodEnd: EF.t0 + 30 * 86_400)
        #expect(try await engine.ingest(invoice) == .parked(id: 2))
        #expect(engine.parkedEvents.map(\.id) == [2])
        #expect(await engine.number("num_1")?.state.paidThrough == nil)

        let checkout = EF.checkout("evt_co", number: "num_1", subscription: "sub_1", intent: "pi_1")
        #expect(try await engine.ingest(checkout) == .accepted(number: "num_1", sequence: 3))
        // Right after the checkout's record: the re-drive of the parked invoice.
        let journal = try EF.journal(data)
        #expect(journal.count == 4)
        guard journal.count == 4, case .assignParked(let assign) = journal[3].record else {
            Issue.record("record 4 is not an assign of the parked invoice: \(journal.map(\.record))")
            engine.close()
            return
        }
        #expect(assign.parkedID == 2 && assign.number == "num_1" && assign.operatorName == nil && assign.event == invoice)
        #expect(engine.parkedEvents.isEmpty)
        let entry = try #require(await engine.number("num_1"))
        #expect(entry.state.version == 3)
        #expect(entry.state.appliedSequence == 4)
        #expect(entry.state.paidThrough == EF.t0 + 30 * 86_400) // from the invoice
        #expect(entry.state.facts.paid)
        #expect(entry.state.history.events.map(\.eventID) == ["api_reserve_num_1", "evt_co", "evt_inv"])
        // The invoice's charge was learned by the re-drive: a dispute on it routes.
        #expect(try await engine.ingest(EF.dispute("evt_dp", charge: "ch_1", disputeID: "dp_1", created: EF.t0 + 5)) == .accepted(number: "num_1", sequence: 5))
        let live = try #require(await engine.number("num_1"))
        engine.close()

        let reopened = try NumberEngine.open(data, options: EF.options())
        defer { reopened.close() }
        #expect(try #require(await reopened.number("num_1")) == live)
        #expect(reopened.parkedEvents.isEmpty)
        #expect(try await reopened.ingest(invoice) == .duplicate)
    }

    /// The same two events as above, delivered in one batch (invoice first).
    @Test func invoiceAndLinkingCheckoutInOneBatch() async throws {
        let data = EF.tempData("route-batch")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        defer { engine.close() }
        let invoice = EF.invoicePaid("evt_inv", subscription: "sub_1", periodEnd: EF.t0 + 30 * 86_400)
        let checkout = EF.checkout("evt_co", number: "num_1", subscription: "sub_1")
        let outcomes = try await engine.ingest([invoice, checkout])
        #expect(outcomes.count == 2)
        #expect(engine.parkedEvents.isEmpty, "invoice stays parked although its subscription is now known: \(engine.parkedEvents.map(\.id))")
        #expect(await engine.number("num_1")?.state.paidThrough == EF.t0 + 30 * 86_400)
    }

    @Test func customerRoutesOnlyWithExactlyOneNumber() async throws {
        let data = EF.tempData("route-customer")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        _ = try await engine.ingest(EF.reserve("num_a", customer: "cus_x", e164: EF.e164(1)))
        #expect(try await engine.ingest(EF.customerOnly("evt_c1", customer: "cus_x")) == .accepted(number: "num_a", sequence: 2))
        _ = try await engine.ingest(EF.reserve("num_b", customer: "cus_x", e164: EF.e164(2)))
        // Two numbers now: the customer key is ambiguous.
        #expect(try await engine.ingest(EF.customerOnly("evt_c2", customer: "cus_x")) == .parked(id: 4))
        // A more specific key still wins.
        var withE164 = EF.customerOnly("evt_c3", customer: "cus_x")
        withE164.keys.append(RouteKey(.e164, EF.e164(2)))
        #expect(try await engine.ingest(withE164) == .accepted(number: "num_b", sequence: 5))
        let live = await EF.liveState(engine)
        engine.close()

        // Recovery must rebuild the same indexes (customer → both numbers).
        let recovered = try NumberEngine.recoverState(data)
        let diffs = EF.differences(live, recovered, "live", "recovered")
        #expect(diffs.isEmpty, "\(diffs)")
        let reopened = try NumberEngine.open(data, options: EF.options())
        defer { reopened.close() }
        #expect(try await reopened.ingest(EF.customerOnly("evt_c4", customer: "cus_x")) == .parked(id: 6),
                "after reopen a customer with two numbers routes to one of them")
    }

    @Test func e164ComparesDigitsOnly() async throws {
        let data = EF.tempData("route-e164")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        defer { engine.close() }
        _ = try await engine.ingest(EF.reserve("num_1", customer: "cus_1", e164: "+1 415-555-0100"))
        #expect(try await engine.ingest(EF.sms("sms_1", to: "14155550100")) == .accepted(number: "num_1", sequence: 2))
        #expect(try await engine.ingest(EF.cdr("cdr_1", to: "+14155550100")) == .accepted(number: "num_1", sequence: 3))
        #expect(try await engine.ingest(EF.sms("sms_2", to: "14155550199")) == .parked(id: 4))
        #expect(RouteKey(.e164, "+1 (415) 555-0100") == RouteKey(.e164, "14155550100"))
    }

    @Test func fullParkedListRefusesAndJournalsNothing() async throws {
        let data = EF.tempData("route-full")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options(parkedCapacity: 2))
        defer { engine.close() }
        let orphans = (0..<3).map { EF.invoicePaid("evt_o\($0)", subscription: "sub_o\($0)", periodEnd: EF.t0) }
        #expect(try await engine.ingest(orphans[0]) == .parked(id: 1))
        #expect(try await engine.ingest(orphans[1]) == .parked(id: 2))
        await #expect(throws: EngineError.unroutableFull(capacity: 2)) { try await engine.ingest(orphans[2]) }
        // A batch with one unroutable event is refused whole.
        let routable = EF.sms("sms_1", number: "num_1")
        await #expect(throws: EngineError.unroutableFull(capacity: 2)) { try await engine.ingest([routable, orphans[2]]) }
        #expect(engine.journal.lastSequence == 2)
        #expect(try EF.journal(data).count == 2)
        // Routable events still flow, and the refused one was not remembered as seen.
        #expect(try await engine.ingest(routable) == .accepted(number: "num_1", sequence: 3))
        _ = try await engine.discardParked(1, operatorName: "ops")
        #expect(try await engine.ingest(orphans[2]) == .parked(id: 5))
    }

    /// A provider retry of an event that is already parked is a duplicate, full list or not.
    @Test func retryOfParkedEventWhileFullIsDuplicate() async throws {
        let data = EF.tempData("route-full-dup")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options(parkedCapacity: 1))
        defer { engine.close() }
        let orphan = EF.invoicePaid("evt_o", subscription: "sub_o", periodEnd: EF.t0)
        #expect(try await engine.ingest(orphan) == .parked(id: 1))
        do {
            #expect(try await engine.ingest(orphan) == .duplicate)
        } catch {
            Issue.record("retry of an acknowledged, parked event was refused: \(error)")
        }
    }

    @Test func operatorAssignAndDiscardAreJournaledAndSurviveReopen() async throws {
        let data = EF.tempData("route-operator")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        _ = try await engine.ingest(EF.reserve("num_1", customer: "cus_1", e164: EF.e164(1)))
        let a = EF.invoicePaid("evt_a", subscription: "sub_a", charge: "ch_a", periodEnd: EF.t0 + 86_400)
        let b = EF.invoicePaid("evt_b", subscription: "sub_b", periodEnd: EF.t0 + 2 * 86_400)
        let c = EF.invoicePaid("evt_c", subscription: "sub_a", periodEnd: EF.t0 + 3 * 86_400) // waits on the same key as a
        #expect(try await engine.ingest([a, b, c]) == [.parked(id: 2), .parked(id: 3), .parked(id: 4)])

        await #expect(throws: EngineError.unknownParked(99)) { try await engine.assignParked(99, to: "num_1", operatorName: "ann") }
        await #expect(throws: EngineError.unknownParked(98)) { try await engine.discardParked(98, operatorName: "ann") }
        #expect(engine.journal.lastSequence == 4)

        // Assigning a teaches sub_a → num_1, which re-drives c.
        #expect(try await engine.assignParked(2, to: "num_1", operatorName: "ann") == 5)
        #expect(try await engine.discardParked(3, operatorName: "bob") == 7)
        let journal = try EF.journal(data)
        #expect(journal.count == 7)
        if journal.count == 7 {
            #expect(journal[4].record == .assignParked(.init(parkedID: 2, number: "num_1", granted: [RouteKey(.subscription, "sub_a"), RouteKey(.charge, "ch_a")],
                                                             operatorName: "ann", event: a)))
            if case .assignParked(let redrive) = journal[5].record {
                #expect(redrive.parkedID == 4 && redrive.number == "num_1" && redrive.operatorName == nil)
            } else { Issue.record("record 6 should re-drive parked event 4: \(journal[5].record)") }
            #expect(journal[6].record == .discardParked(.init(parkedID: 3, operatorName: "bob")))
        }
        #expect(engine.parkedEvents.isEmpty)
        let entry = try #require(await engine.number("num_1"))
        #expect(entry.state.paidThrough == EF.t0 + 3 * 86_400)
        #expect(entry.state.version == 3)
        await #expect(throws: EngineError.unknownParked(2)) { try await engine.assignParked(2, to: "num_1", operatorName: "ann") }
        engine.close()

        let reopened = try NumberEngine.open(data, options: EF.options())
        defer { reopened.close() }
        #expect(reopened.parkedEvents.isEmpty)
        #expect(try #require(await reopened.number("num_1")) == entry)
        await #expect(throws: EngineError.unknownParked(3)) { try await reopened.discardParked(3, operatorName: "bob") }
        await #expect(throws: EngineError.unknownParked(4)) { try await reopened.assignParked(4, to: "num_1", operatorName: "bob") }
        #expect(try await reopened.ingest(b) == .duplicate)
        #expect(reopened.journal.lastSequence == 7)
    }
}
