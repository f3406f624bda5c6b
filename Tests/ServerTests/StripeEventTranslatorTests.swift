import Foundation
import NumberActors
import Server
import Testing

/// The Stripe adapter: every fixture in `Fixtures/stripe` (see SOURCES.md there) becomes exactly the expected
/// `IncomingEvent`; both invoice shapes; ignored types; invalid payloads.
@Suite struct StripeEventTranslatorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/stripe")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    let translator = StripeEventTranslator()
    static let receivedAt: UnixSeconds = 1_800_000_000

    func translate(_ bytes: [UInt8]) throws -> StripeTranslation {
        try translator.translate(bytes, receivedAt: Self.receivedAt)
    }

    func translate(json: String) throws -> StripeTranslation { try translate(Array(json.utf8)) }

    func event(_ name: String) throws -> IncomingEvent {
        let outcome = try translate(Self.fixture(name))
        guard case .event(let event) = outcome else {
            Issue.record("\(name): expected an event, got \(outcome)")
            throw CancellationError()
        }
        #expect(outcome.events == [event])
        return event
    }

    func error(_ json: String) -> StripeEventError? {
        do {
            _ = try translator.translate(Array(json.utf8), receivedAt: Self.receivedAt)
            return nil
        } catch {
            return error
        }
    }

    static func stripe(_ numberID: String?, _ keys: [RouteKey], _ eventID: String, object: String?,
                       created: UnixSeconds = 1_234_567_890, _ payload: DomainEventPayload) -> IncomingEvent {
        IncomingEvent(channel: "stripe", numberID: numberID, keys: keys,
                      source: EventSource(eventID: eventID, objectID: object, created: created, time: created),
                      payload: payload)
    }

    // Ids shared by several fixtures.
    static let session = "cs_test_a1UejXx8ebIdTzFolicVypUAZpOBVkoQKDbaarXoPlPVtj8p0zujPEEhjT"
    static let asyncSession = "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
    static let checkoutSubscription = RouteKey(.subscription, "sub_1LNkeSKXBGcbgpbZ7jMqOPSi")
    static let checkoutCustomer = RouteKey(.customer, "cus_M5wW9RPFk9xNZ5")
    static let subscription = "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw"
    static let subscriptionKeys = [RouteKey(.subscription, subscription), RouteKey(.customer, "cus_QXg1o8vcGmoR32")]
    static let paymentIntent = "pi_1PgafyB7WZ01zgkWSjxsAJo3"
    static let charge = "ch_1PgafuB7WZ01zgkWXYmPNZs8"
    static let dispute = "dp_1Pgc71B7WZ01zgkWMevJiAUx"

    // MARK: - Checkout sessions

    @Test func checkoutSessionCompletedPaid() throws {
        #expect(try event("checkout.session.completed.json") == Self.stripe(
            "num_example", [Self.checkoutSubscription, Self.checkoutCustomer], "evt_1Pgc76B7WZ01zgkWwyRHCS01",
            object: Self.session,
            .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_1LNkeSKXBGcbgpbZ7jMqOPSi"))))
    }

    @Test func checkoutSessionAsyncPaymentSucceeded() throws {
        #expect(try event("checkout.session.async_payment_succeeded.json") == Self.stripe(
            "num_async", [RouteKey(.paymentIntent, Self.paymentIntent)], "evt_1Pgc76B7WZ01zgkWwyRHCSAS",
            object: Self.asyncSession, created: 1_767_225_600,
            .paymentSucceeded(PaymentSucceeded(paymentIntentID: Self.paymentIntent))))
    }

    @Test func checkoutSessionAsyncPaymentFailed() throws {
        // Neither metadata nor client_reference_id: it routes by its payment intent only (or parks).
        #expect(try event("checkout.session.async_payment_failed.json") == Self.stripe(
            nil, [RouteKey(.paymentIntent, Self.paymentIntent)], "evt_1Pgc76B7WZ01zgkWwyRHCSAF",
            object: Self.asyncSession, .paymentFailed(subscriptionID: nil)))
    }

    @Test func checkoutSessionExpired() throws {
        #expect(try event("checkout.session.expired.json") == Self.stripe(
            "num_example", [Self.checkoutSubscription, Self.checkoutCustomer], "evt_1Pgc76B7WZ01zgkWwyRHCSEX",
            object: Self.session, created: 1_767_225_600, .checkoutExpired))
    }

    @Test func checkoutSessionCompletedPaymentStatuses() throws {
        var body = try String(decoding: Self.fixture("checkout.session.completed.json"), as: UTF8.self)
        body = body.replacingOccurrences(of: "\"payment_status\": \"paid\"", with: "\"payment_status\": \"unpaid\"")
        #expect(try translate(json: body) == .ignored(type: "checkout.session.completed"))
        #expect(try translate(json: body).events.isEmpty)

        let free = body.replacingOccurrences(of: "\"payment_status\": \"unpaid\"",
                                             with: "\"payment_status\": \"no_payment_required\"")
        guard case .event(let event) = try translate(json: free) else {
            Issue.record("no_payment_required is a payment")
            return
        }
        #expect(event.payload == .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_1LNkeSKXBGcbgpbZ7jMqOPSi")))

        let missing = body.replacingOccurrences(of: "\"payment_status\": \"unpaid\",", with: "")
        #expect(error(missing)?.reason == .missingField("data.object.payment_status"))
    }

    @Test func clientReferenceIDNamesTheNumberWithoutMetadata() throws {
        let outcome = try translate(json: """
            {"id":"evt_1","type":"checkout.session.completed","created":1700000000,"data":{"object":{
             "id":"cs_1","object":"checkout.session","client_reference_id":"num_ref","metadata":{"number_id":""},
             "payment_status":"paid","payment_intent":{"id":"pi_exp","object":"payment_intent"},
             "customer":"cus_1","subscription":null}}}
            """)
        #expect(outcome == .event(Self.stripe(
            "num_ref", [RouteKey(.customer, "cus_1"), RouteKey(.paymentIntent, "pi_exp")], "evt_1", object: "cs_1",
            created: 1_700_000_000, .paymentSucceeded(PaymentSucceeded(paymentIntentID: "pi_exp")))))
    }

    // MARK: - Invoices (both shapes)

    @Test func invoicePaidCurrentShapeNumberInParentSubscriptionDetails() throws {
        #expect(try event("invoice.paid.json") == Self.stripe(
            "num_example", Self.subscriptionKeys, "evt_1Pgc76B7WZ01zgkWwyRHINVP", object: "in_1Pgc6tB7WZ01zgkWu9fdqL6I",
            .paymentSucceeded(PaymentSucceeded(subscriptionID: Self.subscription, periodEnd: 1_721_954_054))))
    }

    @Test func invoicePaymentSucceededCurrentShapeWithPayments() throws {
        #expect(try event("invoice.payment_succeeded.json") == Self.stripe(
            "num_current",
            [RouteKey(.subscription, "sub_1234"), RouteKey(.customer, "cus_1234"), RouteKey(.charge, "ch_current"),
             RouteKey(.paymentIntent, "pi_current")],
            "evt_1Pgc76B7WZ01zgkWwyRHINVS", object: "in_1234", created: 1_767_225_600,
            .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_1234", periodEnd: 1_808_505_906,
                                               paymentIntentID: "pi_current", chargeID: "ch_current"))))
    }

    @Test func invoicePaymentSucceededLegacyShape() throws {
        // Top-level subscription / charge / payment_intent, no parent; number id on the lines; the latest line wins.
        #expect(try event("invoice.payment_succeeded.legacy.json") == Self.stripe(
            "num_legacy",
            [RouteKey(.subscription, "sub_legacy"), RouteKey(.customer, "cus_1234"), RouteKey(.charge, "ch_legacy"),
             RouteKey(.paymentIntent, "pi_legacy")],
            "evt_1Pgc76B7WZ01zgkWwyRHINVL", object: "in_1234", created: 1_767_225_600,
            .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_legacy", periodEnd: 1_745_170_115,
                                               paymentIntentID: "pi_legacy", chargeID: "ch_legacy"))))
    }

    @Test func invoicePaymentFailed() throws {
        // Its metadata holds no number id (license_id only): it routes through the subscription index.
        #expect(try event("invoice.payment_failed.json") == Self.stripe(
            nil, [RouteKey(.subscription, "sub_1234"), RouteKey(.customer, "cus_1234")],
            "evt_1Pgc76B7WZ01zgkWwyRHINVF", object: "in_1234", .paymentFailed(subscriptionID: "sub_1234")))
    }

    @Test func invoicePaymentActionRequired() throws {
        // Carries both shapes' subscription (the same id, one key) and a top-level payment intent.
        #expect(try event("invoice.payment_action_required.json") == Self.stripe(
            nil, [RouteKey(.subscription, "sub_1234"), RouteKey(.customer, "cus_1234"), RouteKey(.paymentIntent, "pi_1234")],
            "evt_1Pgc76B7WZ01zgkWwyRHINVA", object: "in_1234",
            .paymentActionRequired(hostedInvoiceURL: "https://invoice.stripe.com/")))
    }

    @Test func invoiceNumberIDSources() throws {
        func number(_ object: String) throws -> String? {
            let outcome = try translate(json: #"{"id":"evt_n","type":"invoice.paid","created":1,"data":{"object":"# + object + "}}")
            return outcome.events.first?.numberID
        }
        // Priority: the invoice's own metadata, then parent.subscription_details, then the older
        // subscription_details, then the lines.
        #expect(try number(#"{"id":"in_1","metadata":{"number_id":"num_own"},"parent":{"subscription_details":{"metadata":{"number_id":"num_parent"}}}}"#) == "num_own")
        #expect(try number(#"{"id":"in_1","metadata":{},"parent":{"subscription_details":{"metadata":{"number_id":"num_parent"}}},"subscription_details":{"metadata":{"number_id":"num_old"}}}"#) == "num_parent")
        #expect(try number(#"{"id":"in_1","subscription_details":{"metadata":{"number_id":"num_old"}},"lines":{"data":[{"metadata":{"number_id":"num_line"}}]}}"#) == "num_old")
        #expect(try number(#"{"id":"in_1","lines":{"data":[{"metadata":{}},{"metadata":{"number_id":"num_line2"}}]}}"#) == "num_line2")
        #expect(try number(#"{"id":"in_1","parent":null,"lines":{"data":[]}}"#) == nil)
        // A number id that is not a string is not a number id.
        #expect(try number(#"{"id":"in_1","metadata":{"number_id":42}}"#) == nil)
        // Escapes are decoded.
        #expect(try number(#"{"id":"in_1","metadata":{"number_id":"num_\u0041\/b"}}"#) == "num_A/b")
    }

    @Test func invoiceWithoutLinesHasNoPeriodEnd() throws {
        let outcome = try translate(json: #"{"id":"evt_x","type":"invoice.paid","created":5,"data":{"object":{"id":"in_x","subscription":{"id":"sub_x","object":"subscription"}}}}"#)
        #expect(outcome == .event(Self.stripe(nil, [RouteKey(.subscription, "sub_x")], "evt_x", object: "in_x", created: 5,
                                              .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_x")))))
    }

    // MARK: - Payment intents

    @Test func paymentIntentSucceeded() throws {
        #expect(try event("payment_intent.succeeded.json") == Self.stripe(
            nil, [RouteKey(.paymentIntent, Self.paymentIntent)], "evt_1Pgc76B7WZ01zgkWwyRHPISU", object: Self.paymentIntent,
            .paymentSucceeded(PaymentSucceeded(paymentIntentID: Self.paymentIntent))))
    }

    @Test func paymentIntentPaymentFailed() throws {
        #expect(try event("payment_intent.payment_failed.json") == Self.stripe(
            "num_pi",
            [RouteKey(.customer, "cus_pi"), RouteKey(.charge, "ch_pi_failed"), RouteKey(.paymentIntent, Self.paymentIntent)],
            "evt_1Pgc76B7WZ01zgkWwyRHPIPF", object: Self.paymentIntent, created: 1_767_225_600,
            .paymentFailed(subscriptionID: nil)))
    }

    // MARK: - Subscriptions

    @Test func subscriptionStatusEvents() throws {
        let cases: [(String, String, String, UnixSeconds)] = [
            ("customer.subscription.created.json", "evt_1Pgc76B7WZ01zgkWwyRHSUBC", "active", 1_234_567_890),
            ("customer.subscription.updated.json", "evt_1Pgc76B7WZ01zgkWwyRHSUBU", "past_due", 1_234_567_890),
            ("customer.subscription.paused.json", "evt_1Pgc76B7WZ01zgkWwyRHSUBP", "paused", 1_767_225_600),
            ("customer.subscription.resumed.json", "evt_1Pgc76B7WZ01zgkWwyRHSUBR", "active", 1_767_225_600),
        ]
        for (file, eventID, status, created) in cases {
            #expect(try event(file) == Self.stripe(
                "num_example", Self.subscriptionKeys, eventID, object: Self.subscription, created: created,
                .subscriptionStatus(status: status, subscriptionID: Self.subscription)), "\(file)")
        }
    }

    @Test func subscriptionDeleted() throws {
        #expect(try event("customer.subscription.deleted.json") == Self.stripe(
            "num_example", Self.subscriptionKeys, "evt_1Pgc76B7WZ01zgkWwyRHSUBD", object: Self.subscription,
            .subscriptionDeleted(subscriptionID: Self.subscription)))
    }

    @Test func subscriptionTrialWillEnd() throws {
        #expect(try event("customer.subscription.trial_will_end.json") == Self.stripe(
            "num_example", Self.subscriptionKeys, "evt_1Pgc76B7WZ01zgkWwyRHSUBT", object: Self.subscription,
            .trialWillEnd(trialEnd: 1_234_567_890)))
        let noTrial = try translate(json: #"{"id":"e","type":"customer.subscription.trial_will_end","created":1,"data":{"object":{"id":"sub_9","trial_end":null}}}"#)
        #expect(noTrial.events.first?.payload == .trialWillEnd(trialEnd: nil))
    }

    @Test func subscriptionWithoutStatusIsInvalid() {
        #expect(error(#"{"id":"e","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_9"}}}"#)?.reason
                == .missingField("data.object.status"))
        #expect(error(#"{"id":"e","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_9","status":7}}}"#)?.reason
                == .invalidField("data.object.status"))
    }

    // MARK: - Charges and disputes

    @Test func chargeRefunded() throws {
        #expect(try event("charge.refunded.json") == Self.stripe(
            nil, [RouteKey(.charge, Self.charge)], "evt_1Pgc76B7WZ01zgkWwyRHCHRF", object: Self.charge,
            .refunded(amountRefunded: 100, amount: 100)))
        let partial = try translate(json: #"{"id":"e","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_p","amount":500,"amount_refunded":200,"payment_intent":"pi_p","customer":"cus_p"}}}"#)
        #expect(partial == .event(Self.stripe(
            nil, [RouteKey(.customer, "cus_p"), RouteKey(.charge, "ch_p"), RouteKey(.paymentIntent, "pi_p")], "e",
            object: "ch_p", created: 1, .refunded(amountRefunded: 200, amount: 500))))
        #expect(error(#"{"id":"e","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_p","amount":500}}}"#)?.reason
                == .missingField("data.object.amount_refunded"))
        #expect(error(#"{"id":"e","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_p","amount":5.5,"amount_refunded":1}}}"#)?.reason
                == .invalidField("data.object.amount"))
    }

    @Test func disputeCreatedInquiryStillOpens() throws {
        // `warning_needs_response` is an inquiry: still disputeOpened with its status; the domain decides.
        #expect(try event("charge.dispute.created.json") == Self.stripe(
            nil, [RouteKey(.charge, Self.charge)], "evt_1Pgc76B7WZ01zgkWwyRHDSPC", object: Self.dispute,
            .disputeOpened(disputeID: Self.dispute, status: "warning_needs_response")))
    }

    @Test func disputeClosed() throws {
        #expect(try event("charge.dispute.closed.json") == Self.stripe(
            nil, [RouteKey(.charge, Self.charge), RouteKey(.paymentIntent, "pi_disputed")], "evt_1Pgc76B7WZ01zgkWwyRHDPCL",
            object: Self.dispute, created: 1_767_225_600, .disputeClosed(disputeID: Self.dispute, status: "lost")))
    }

    // MARK: - Every fixture, ignored types

    @Test func everyFixtureTranslates() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        #expect(names.count == 20)
        for name in names {
            let outcome = try translate(Self.fixture(name))
            #expect(outcome.events.count == 1, "\(name)")
            #expect(outcome.events.first?.channel == "stripe", "\(name)")
        }
    }

    @Test func typesThatConcernNoNumberAreIgnored() throws {
        for type in ["customer.created", "invoice.finalized", "invoice.upcoming", "charge.succeeded",
                     "charge.dispute.funds_withdrawn", "payment_intent.created", "product.updated",
                     "customer.subscription.pending_update_applied", "checkout.session", "", "x"] {
            let json = #"{"id":"evt_i","type":""# + type + #"","created":1,"data":{"object":{"id":"obj_1"}}}"#
            if type.isEmpty {
                #expect(error(json)?.reason == .missingField("type"))
            } else {
                #expect(try translate(json: json) == .ignored(type: type), "\(type)")
            }
        }
        // A real fixture under an unknown type.
        var body = try String(decoding: Self.fixture("charge.refunded.json"), as: UTF8.self)
        body = body.replacingOccurrences(of: "\"type\": \"charge.refunded\"", with: "\"type\": \"charge.updated\"")
        #expect(try translate(json: body) == .ignored(type: "charge.updated"))
    }

    // MARK: - Envelope

    @Test func createdFallsBackToReceivedTimeOnlyWhenAbsent() throws {
        let absent = try translate(json: #"{"id":"e","type":"checkout.session.expired","data":{"object":{"id":"cs"}}}"#)
        #expect(absent.events.first?.source == EventSource(eventID: "e", objectID: "cs", created: nil, time: Self.receivedAt))
        let null = try translate(json: #"{"id":"e","type":"checkout.session.expired","created":null,"data":{"object":{}}}"#)
        #expect(null.events.first?.source == EventSource(eventID: "e", objectID: nil, created: nil, time: Self.receivedAt))
        #expect(error(#"{"id":"e","type":"t","created":"1700000000","data":{"object":{}}}"#)?.reason == .invalidField("created"))
        #expect(error(#"{"id":"e","type":"t","created":1.7e9,"data":{"object":{}}}"#)?.reason == .invalidField("created"))
        #expect(error(#"{"id":"e","type":"t","created":99999999999999999999,"data":{"object":{}}}"#)?.reason == .invalidField("created"))
    }

    @Test func invalidPayloads() {
        let cases: [(String, StripeEventError.Reason)] = [
            (#"{"type":"invoice.paid","created":1,"data":{"object":{}}}"#, .missingField("id")),
            (#"{"id":null,"type":"invoice.paid","created":1,"data":{"object":{}}}"#, .missingField("id")),
            (#"{"id":7,"type":"invoice.paid","created":1,"data":{"object":{}}}"#, .invalidField("id")),
            (#"{"id":"evt","created":1,"data":{"object":{}}}"#, .missingField("type")),
            (#"{"id":"evt","type":["invoice.paid"],"created":1,"data":{"object":{}}}"#, .invalidField("type")),
            (#"{"id":"evt","type":"invoice.paid","created":1}"#, .missingField("data.object")),
            (#"{"id":"evt","type":"invoice.paid","created":1,"data":{}}"#, .missingField("data.object")),
            (#"{"id":"evt","type":"invoice.paid","created":1,"data":{"object":null}}"#, .missingField("data.object")),
            (#"{"id":"evt","type":"invoice.paid","created":1,"data":{"object":"in_1"}}"#, .invalidField("data.object")),
            (#"{"id":"evt","type":"unknown.type","created":1,"data":[]}"#, .missingField("data.object")),
            (#"["evt"]"#, .notAnObject),
            (#""evt""#, .notAnObject),
            (#"{"id":"evt","type":"charge.dispute.created","created":1,"data":{"object":{"id":"dp_1"}}}"#, .missingField("data.object.status")),
        ]
        for (json, reason) in cases {
            let failure = error(json)
            #expect(failure?.reason == reason, "\(json)")
            #expect(failure?.code == "invalid_payload")
        }
    }

    @Test func malformedJSONIsInvalidPayload() throws {
        let good = try Self.fixture("invoice.paid.json")
        var cases: [[UInt8]] = [
            Array(good[..<(good.count / 2)]),                       // truncated
            Array(good.dropLast(2)),                                 // missing the final brace
            good + Array("{}".utf8),                                 // trailing garbage
            Array(#"{"id":"evt","type":"invoice.paid","data":{"object":{},},}"#.utf8),  // trailing commas
            Array(#"{"id":"ev\qt","type":"invoice.paid","data":{"object":{}}}"#.utf8),   // bad escape
            Array(#"{"id":"\ud800","type":"invoice.paid","data":{"object":{}}}"#.utf8),  // lone surrogate
            Array(#"{"id":"evt","type":"invoice.paid","created":1"#.utf8) + [0xFF] + Array("}".utf8),
            Array(#"{"id":""#.utf8) + [0xC0, 0xAF] + Array(#"","type":"t","data":{"object":{}}}"#.utf8),  // overlong UTF-8
            Array(#"{"id":"evt","type":"t","created":1"# .utf8) + Array(repeating: UInt8(ascii: "0"), count: 200)
                + Array(#","data":{"object":{}}}"#.utf8),          // huge number
            Array(#"{"id":"evt","type":"t","data":{"object":{"a":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 100)
                + Array(repeating: UInt8(ascii: "]"), count: 100) + Array("}}}".utf8),  // too deep
            [],
        ]
        cases.append([0xEF, 0xBB, 0xBF] + Array(#"{"id":"e","type":"t","data":{"object":{}}}"#.utf8))  // BOM
        for body in cases {
            do {
                _ = try translator.translate(body, receivedAt: Self.receivedAt)
                Issue.record("accepted \(String(decoding: body.prefix(80), as: UTF8.self))")
            } catch {
                guard case .malformedJSON = error.reason else {
                    Issue.record("expected malformed JSON, got \(error)")
                    continue
                }
                #expect(error.code == "invalid_payload")
            }
        }
    }

    @Test func translationIsFast() throws {
        // Not a benchmark, a guard against an accidental quadratic path: 2,000 translations of a ~2 KB event.
        let body = try Self.fixture("checkout.session.completed.json")
        let clock = ContinuousClock()
        var count = 0
        let elapsed = try clock.measure {
            for _ in 0..<2_000 { count += try translator.translate(body, receivedAt: 0).events.count }
        }
        #expect(count == 2_000)
        #expect(elapsed < .seconds(2), "\(elapsed)")
    }
}
