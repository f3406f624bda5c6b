// Writes the checked-in format fixture data/fixtures/engine-v1: a small data directory (journal
// segments + one snapshot + a journal tail after it) in the current record and entity formats.
// Tests decode it, so a later format change cannot silently break existing data directories.
// Run: swift run fixture-writer data/fixtures/engine-vN   (only for a new format version; never
// regenerate an existing version's fixture).
import NumberActors
import Snapshot

let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "data/fixtures/engine-v1"
let data = DataDirectory(path)
var options = EngineOptions()
options.snapshotEvery = 0
options.journal.segmentBytes = 4096
let engine = try NumberEngine.open(data, options: options)

let t0: Int64 = 1_767_225_600
func event(_ channel: String, _ id: String, number: String?, keys: [RouteKey] = [], created: Int64, _ payload: DomainEventPayload) -> IncomingEvent {
    IncomingEvent(channel: channel, numberID: number, keys: keys, source: EventSource(eventID: id, objectID: nil, created: created, time: created), payload: payload)
}
func reserve(_ number: String, _ e164: String, customer: String, plan: Plan?) -> IncomingEvent {
    event("api", "res_\(number)", number: number, keys: [RouteKey(.customer, customer), RouteKey(.e164, e164)], created: t0,
          .reserved(Reservation(e164: e164, customer: customer, skuID: "sku_us_local", availableDIDID: "adid_\(number)",
                                plan: plan, forward: Forwarding(email: "\(customer)@example.com"))))
}
let plan = Plan(includedCallSeconds: 600, includedSMS: 2, overage: .block)

// num_active: reserved, paid, provisioned, live, with traffic.
_ = try await engine.ingest(reserve("num_active", "+14155550101", customer: "cus_a", plan: plan))
_ = try await engine.ingest(event("stripe", "evt_a_paid", number: "num_active", keys: [RouteKey(.subscription, "sub_a"), RouteKey(.paymentIntent, "pi_a")],
                                  created: t0 + 10, .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_a", periodEnd: t0 + 2_678_400, paymentIntentID: "pi_a"))))
_ = try await engine.ingest(event("effect", "prov_a", number: "num_active", keys: [RouteKey(.didwwOrder, "ord_a")], created: t0 + 20, .provisioningStarted(orderID: "ord_a")))
_ = try await engine.ingest(event("didww", "ord_a:completed", number: "num_active", created: t0 + 30, .orderCompleted(orderID: "ord_a", didID: "did_a")))
_ = try await engine.ingest([
    event("cdr", "cdr_1", number: nil, keys: [RouteKey(.e164, "14155550101")], created: t0 + 100, .callRecorded(CallRecord(durationSeconds: 65, success: true, isLastCDR: true, from: "+15550001"))),
    event("cdr", "cdr_2", number: nil, keys: [RouteKey(.e164, "14155550101")], created: t0 + 200, .callRecorded(CallRecord(durationSeconds: 0, success: false, from: "+15550002"))),
])
_ = try await engine.ingest(event("sms", "sms_1", number: nil, keys: [RouteKey(.e164, "+14155550101")], created: t0 + 300,
                                  .smsReceived(InboundSMS(from: "+15550003", to: "+14155550101", text: "hello ✓"))))

// num_late: an invoice parked before its checkout, then re-driven.
_ = try await engine.ingest(event("stripe", "evt_b_invoice", number: nil, keys: [RouteKey(.subscription, "sub_b")], created: t0 + 40,
                                  .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_b", periodEnd: t0 + 5_000_000))))
let snapshot = try await engine.snapshot()
_ = try await engine.ingest(reserve("num_late", "+14155550102", customer: "cus_b", plan: nil))
_ = try await engine.ingest(event("stripe", "evt_b_checkout", number: "num_late", keys: [RouteKey(.subscription, "sub_b")], created: t0 + 50,
                                  .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_b"))))

// num_dead: paid, then the subscription is deleted.
_ = try await engine.ingest(reserve("num_dead", "+14155550103", customer: "cus_c", plan: nil))
_ = try await engine.ingest(event("stripe", "evt_c_paid", number: "num_dead", keys: [RouteKey(.subscription, "sub_c")], created: t0 + 60,
                                  .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_c"))))
_ = try await engine.ingest(event("stripe", "evt_c_deleted", number: nil, keys: [RouteKey(.subscription, "sub_c")], created: t0 + 70,
                                  .subscriptionDeleted(subscriptionID: "sub_c")))

// Still parked: an event nobody can route.
_ = try await engine.ingest(event("stripe", "evt_orphan", number: nil, keys: [RouteKey(.charge, "ch_unknown")], created: t0 + 80,
                                  .disputeOpened(disputeID: "dp_1", status: "needs_response")))
engine.close()
print("wrote \(path): snapshot at \(snapshot.sequence), journal through \(engine.journal.lastSequence)")
