import Foundation
@testable import NumberActors
import Snapshot
import Testing

@Suite struct EngineSmokeTests {
    static func tempData() -> DataDirectory {
        DataDirectory(NSTemporaryDirectory() + "nn-engine-\(UInt64.random(in: 0...UInt64.max))")
    }

    static func event(_ id: String, number: String?, keys: [RouteKey] = [], _ payload: DomainEventPayload, channel: String = "stripe") -> IncomingEvent {
        IncomingEvent(channel: channel, numberID: number, keys: keys, source: EventSource(eventID: id, created: 1_767_225_600, time: 1_767_225_600), payload: payload)
    }

    @Test func acceptedDuplicateParkedAndRecovered() async throws {
        let data = Self.tempData()
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        var options = EngineOptions()
        options.snapshotEvery = 0
        let engine = try NumberEngine.open(data, options: options)
        let reserve = Self.event("api_1", number: "num_1", keys: [RouteKey(.customer, "cus_1"), RouteKey(.e164, "+14155550100")],
                                 .reserved(Reservation(e164: "+14155550100", customer: "cus_1", skuID: "sku_1")), channel: "api")
        let first = try await engine.ingest(reserve)
        #expect(first == .accepted(number: "num_1", sequence: 1))
        #expect(try await engine.ingest(reserve) == .duplicate)
        // An invoice that only names a subscription nobody knows yet: parked.
        let invoice = Self.event("evt_inv", number: nil, keys: [RouteKey(.subscription, "sub_9")],
                                 .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_9", periodEnd: 1_769_904_000)))
        #expect(try await engine.ingest(invoice) == .parked(id: 2))
        // The checkout that links the subscription to the number re-drives it.
        let checkout = Self.event("evt_co", number: "num_1", keys: [RouteKey(.subscription, "sub_9")],
                                  .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_9")))
        #expect(try await engine.ingest(checkout) == .accepted(number: "num_1", sequence: 3))
        let entry = try #require(await engine.number("num_1"))
        #expect(entry.state.version == 3)
        #expect(entry.state.paidThrough == 1_769_904_000)
        #expect(engine.parkedEvents.isEmpty)
        let snapshot = try await engine.snapshot()
        #expect(snapshot.sequence == 4)
        engine.close()

        let reopened = try NumberEngine.open(data, options: options)
        defer { reopened.close() }
        #expect(reopened.recovery.snapshotSequence == 4)
        #expect(try await reopened.ingest(invoice) == .duplicate)
        let again = try #require(await reopened.number("num_1"))
        #expect(again == entry)
    }
}

@Suite struct EngineRecordEncodingTests {
    @Test func preEncodedEventRecordsAreByteIdenticalAndRoundTrip() throws {
        let event = IncomingEvent(channel: "cdr", numberID: nil, keys: [RouteKey(.e164, "+1 415 555 0100"), RouteKey(.customer, "cus_1")],
                                  source: EventSource(eventID: "cdr_1", created: nil, time: 1_767_225_600),
                                  payload: .callRecorded(CallRecord(durationSeconds: 42, success: true, isLastCDR: true, from: "+15550001")))
        for target in [nil, "num_1"] as [String?] {
            let record = EngineRecord.event(.init(target: target, granted: target == nil ? [] : event.keys, dedupe: event.dedupeKey, event: event))
            let fast = EngineRecord.encodeEvent(target: target, granted: target == nil ? [] : event.keys, dedupe: event.dedupeKey,
                                                incoming: EngineRecord.encodeIncoming(event))
            #expect(fast == record.encoded())
            #expect(try EngineRecord.decode(kind: 1, fast) == record)
        }
    }
}
