import NumberActors

// The Stripe adapter: a verified Stripe event body → the engine's `IncomingEvent` (DESIGN.md §The lifecycle,
// §Routing). It scans only the fields it needs with `JSONScanner` (no Foundation decoding on this path).
//
// Envelope: `id` → `EventSource.eventID` (the dedupe key), `created` → `EventSource.created` and `time`,
// `data.object.id` → `EventSource.objectID`.
//
// Number id, first found: the object's `metadata.number_id`; checkout's `client_reference_id`; for invoices, the
// subscription's metadata as the invoice carries it (`parent.subscription_details.metadata.number_id`, or the older
// top-level `subscription_details.metadata.number_id`), then the first invoice line's `metadata.number_id`.
// Route keys (sorted, deduplicated, empty values dropped; expanded objects give their `id`):
// - checkout session: subscription, customer, payment intent;
// - invoice: subscription (`parent.subscription_details.subscription` and the older top-level `subscription`),
//   customer, charge and payment intent (top-level `charge` / `payment_intent` of older API versions, and
//   `payments.data[*].payment.payment_intent` / `.charge` of newer ones);
// - payment intent: itself, its `latest_charge`, customer;
// - subscription: itself, customer;
// - charge (refund): itself, its payment intent, customer;
// - dispute: its `charge` and `payment_intent` (a dispute carries nothing else).
//
// Decisions:
// - `checkout.session.completed` with a `payment_status` other than `paid` / `no_payment_required` (an async
//   payment still pending) states no fact, so it is `.ignored`: the `checkout.session.async_payment_succeeded` or
//   `_failed` that follows carries the same session, with the same number id and keys.
// - A dispute whose status is an inquiry (`warning_*`) is still `disputeOpened` with that status: the domain
//   decides what an inquiry means.
// - Fields the payload needs (`status` of a subscription, amounts of a refund, id and status of a dispute,
//   `payment_status` of a completed checkout) and a `created` that is not an integer are `invalid_payload` when
//   missing or mistyped; optional fields that are absent, null or mistyped are simply not used.

/// What a verified Stripe event becomes.
public enum StripeTranslation: Sendable, Equatable {
    /// One event for the engine (journal, route, apply).
    case event(IncomingEvent)
    /// An event type (or an instance of one) that states nothing about any number: acknowledge and count, do not
    /// journal.
    case ignored(type: String)

    /// The events to hand to the engine: one, or none when ignored.
    public var events: [IncomingEvent] {
        if case .event(let event) = self { return [event] }
        return []
    }
}

/// A body that cannot be read as a Stripe event; answered 400 `invalid_payload` (CONTRACT.md §Webhook ingestion).
public struct StripeEventError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Not RFC 8259 JSON (or over the scanner's limits).
        case malformedJSON(JSONError)
        /// The top-level value is not an object.
        case notAnObject
        /// A required field is absent or null.
        case missingField(String)
        /// A field has the wrong JSON type (or an integer out of range).
        case invalidField(String)
    }

    public var reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// The CONTRACT error code.
    public var code: String { "invalid_payload" }

    public var message: String {
        switch reason {
        case .malformedJSON(let error): return "the body is not valid JSON: \(error.reason.rawValue) at byte \(error.offset)"
        case .notAnObject: return "the body is not a JSON object"
        case .missingField(let field): return "the Stripe event has no \(field)"
        case .invalidField(let field): return "the Stripe event's \(field) has the wrong type"
        }
    }

    public var description: String { "\(code): \(message)" }
}

/// Translates verified Stripe event bodies. Stateless and `Sendable`: share one.
public struct StripeEventTranslator: Sendable {
    /// `IncomingEvent.channel` of every Stripe event.
    public static let channel = "stripe"

    public init() {}

    /// Translates one event body. `receivedAt` is the event time used only if the body has no `created`.
    public func translate(_ body: [UInt8], receivedAt: UnixSeconds) throws(StripeEventError) -> StripeTranslation {
        let document: JSONDocument
        do {
            document = try JSONScanner.parse(body)
        } catch {
            throw StripeEventError(.malformedJSON(error))
        }
        return try translate(document, receivedAt: receivedAt)
    }

    /// Translates an already parsed event.
    public func translate(_ document: JSONDocument, receivedAt: UnixSeconds) throws(StripeEventError) -> StripeTranslation {
        let root = document.root
        guard root.kind == .object else { throw StripeEventError(.notAnObject) }
        let eventID = try Self.requiredString(root, P.id, "id")
        let type = try Self.requiredString(root, P.type, "type")
        let object = try Self.requiredValue(root, P.dataObject, "data.object")
        guard object.kind == .object else { throw StripeEventError(.invalidField("data.object")) }

        var created: UnixSeconds?
        if let value = root.value(at: P.created), !value.isNull {
            guard let seconds = value.int64 else { throw StripeEventError(.invalidField("created")) }
            created = seconds
        }
        let source = EventSource(eventID: eventID, objectID: Self.nonEmpty(object.string(at: P.id)),
                                 created: created, time: created ?? receivedAt)

        var route = Route()
        route.number(object.string(at: P.metadataNumberID))
        let payload: DomainEventPayload

        switch type {
        // Checkout sessions
        case "checkout.session.completed", "checkout.session.async_payment_succeeded",
             "checkout.session.async_payment_failed", "checkout.session.expired":
            route.number(object.string(at: P.clientReferenceID))
            let subscription = Self.id(object["subscription"])
            let paymentIntent = Self.id(object["payment_intent"])
            route.key(.subscription, subscription)
            route.key(.customer, Self.id(object["customer"]))
            route.key(.paymentIntent, paymentIntent)
            switch type {
            case "checkout.session.completed":
                let status = try Self.requiredString(object, P.paymentStatus, "data.object.payment_status")
                guard status == "paid" || status == "no_payment_required" else { return .ignored(type: type) }
                payload = .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, paymentIntentID: paymentIntent))
            case "checkout.session.async_payment_succeeded":
                payload = .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, paymentIntentID: paymentIntent))
            case "checkout.session.async_payment_failed":
                payload = .paymentFailed(subscriptionID: subscription)
            default:
                payload = .checkoutExpired
            }

        // Invoices
        case "invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed", "invoice.payment_action_required":
            route.number(object.string(at: P.parentSubscriptionMetadataNumberID))
            route.number(object.string(at: P.legacySubscriptionMetadataNumberID))
            object.forEach(at: P.linesNumberID) { route.number($0.string) }
            let subscription = Self.id(object.value(at: P.parentSubscription)) ?? Self.id(object["subscription"])
            route.key(.subscription, Self.id(object.value(at: P.parentSubscription)))
            route.key(.subscription, Self.id(object["subscription"]))
            route.key(.customer, Self.id(object["customer"]))
            var charge = Self.id(object["charge"])
            var paymentIntent = Self.id(object["payment_intent"])
            route.key(.charge, charge)
            route.key(.paymentIntent, paymentIntent)
            object.forEach(at: P.paymentsPayment) { payment in
                let paymentCharge = Self.id(payment["charge"])
                let paymentPaymentIntent = Self.id(payment["payment_intent"])
                route.key(.charge, paymentCharge)
                route.key(.paymentIntent, paymentPaymentIntent)
                if charge == nil { charge = paymentCharge }
                if paymentIntent == nil { paymentIntent = paymentPaymentIntent }
            }
            switch type {
            case "invoice.paid", "invoice.payment_succeeded":
                var periodEnd: UnixSeconds?
                object.forEach(at: P.linesPeriodEnd) { value in
                    if let end = value.int64 { periodEnd = max(periodEnd ?? end, end) }
                }
                payload = .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, periodEnd: periodEnd,
                                                             paymentIntentID: paymentIntent, chargeID: charge))
            case "invoice.payment_failed":
                payload = .paymentFailed(subscriptionID: subscription)
            default:
                payload = .paymentActionRequired(hostedInvoiceURL: Self.nonEmpty(object.string(at: P.hostedInvoiceURL)))
            }

        // Payment intents
        case "payment_intent.succeeded", "payment_intent.payment_failed":
            let paymentIntent = Self.nonEmpty(object.string(at: P.id))
            let charge = Self.id(object["latest_charge"])
            route.key(.paymentIntent, paymentIntent)
            route.key(.charge, charge)
            route.key(.customer, Self.id(object["customer"]))
            payload = type == "payment_intent.succeeded"
                ? .paymentSucceeded(PaymentSucceeded(paymentIntentID: paymentIntent, chargeID: charge))
                : .paymentFailed(subscriptionID: nil)

        // Subscriptions
        case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.paused",
             "customer.subscription.resumed", "customer.subscription.deleted", "customer.subscription.trial_will_end":
            let subscription = Self.nonEmpty(object.string(at: P.id))
            route.key(.subscription, subscription)
            route.key(.customer, Self.id(object["customer"]))
            switch type {
            case "customer.subscription.deleted":
                payload = .subscriptionDeleted(subscriptionID: subscription)
            case "customer.subscription.trial_will_end":
                payload = .trialWillEnd(trialEnd: object.int64(at: P.trialEnd))
            default:
                let status = try Self.requiredString(object, P.status, "data.object.status")
                payload = .subscriptionStatus(status: status, subscriptionID: subscription)
            }

        // Charges and disputes
        case "charge.refunded":
            route.key(.charge, Self.nonEmpty(object.string(at: P.id)))
            route.key(.paymentIntent, Self.id(object["payment_intent"]))
            route.key(.customer, Self.id(object["customer"]))
            let refunded = try Self.requiredInt(object, P.amountRefunded, "data.object.amount_refunded")
            let amount = try Self.requiredInt(object, P.amount, "data.object.amount")
            payload = .refunded(amountRefunded: refunded, amount: amount)

        case "charge.dispute.created", "charge.dispute.closed":
            route.key(.charge, Self.id(object["charge"]))
            route.key(.paymentIntent, Self.id(object["payment_intent"]))
            let dispute = try Self.requiredString(object, P.id, "data.object.id")
            let status = try Self.requiredString(object, P.status, "data.object.status")
            payload = type == "charge.dispute.created"
                ? .disputeOpened(disputeID: dispute, status: status)
                : .disputeClosed(disputeID: dispute, status: status)

        default:
            return .ignored(type: type)
        }

        return .event(IncomingEvent(channel: Self.channel, numberID: route.numberID, keys: route.sortedKeys,
                                    source: source, payload: payload))
    }

    // MARK: - Field helpers

    /// Paths read, compiled once.
    enum P {
        static let id: JSONPath = "id"
        static let type: JSONPath = "type"
        static let created: JSONPath = "created"
        static let dataObject: JSONPath = "data.object"
        static let metadataNumberID: JSONPath = "metadata.number_id"
        static let clientReferenceID: JSONPath = "client_reference_id"
        static let paymentStatus: JSONPath = "payment_status"
        static let parentSubscriptionMetadataNumberID: JSONPath = "parent.subscription_details.metadata.number_id"
        static let legacySubscriptionMetadataNumberID: JSONPath = "subscription_details.metadata.number_id"
        static let linesNumberID: JSONPath = "lines.data[*].metadata.number_id"
        static let linesPeriodEnd: JSONPath = "lines.data[*].period.end"
        static let parentSubscription: JSONPath = "parent.subscription_details.subscription"
        static let paymentsPayment: JSONPath = "payments.data[*].payment"
        static let hostedInvoiceURL: JSONPath = "hosted_invoice_url"
        static let trialEnd: JSONPath = "trial_end"
        static let status: JSONPath = "status"
        static let amount: JSONPath = "amount"
        static let amountRefunded: JSONPath = "amount_refunded"
    }

    /// Collects the number id (first non-empty wins) and route keys.
    struct Route {
        var numberID: String?
        var keys: [RouteKey] = []

        mutating func number(_ candidate: String?) {
            if numberID == nil, let candidate, !candidate.isEmpty { numberID = candidate }
        }

        mutating func key(_ kind: RouteKey.Kind, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            let key = RouteKey(kind, value)
            if !keys.contains(key) { keys.append(key) }
        }

        var sortedKeys: [RouteKey] { keys.sorted() }
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// A Stripe expandable reference: the id string, or the expanded object's `id`.
    static func id(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        switch value.kind {
        case .string: return nonEmpty(value.string)
        case .object: return nonEmpty(value["id"]?.string)
        default: return nil
        }
    }

    static func requiredValue(_ base: JSONValue, _ path: JSONPath, _ name: String) throws(StripeEventError) -> JSONValue {
        guard let value = base.value(at: path), !value.isNull else { throw StripeEventError(.missingField(name)) }
        return value
    }

    static func requiredString(_ base: JSONValue, _ path: JSONPath, _ name: String) throws(StripeEventError) -> String {
        let value = try requiredValue(base, path, name)
        guard let text = value.string else { throw StripeEventError(.invalidField(name)) }
        guard !text.isEmpty else { throw StripeEventError(.missingField(name)) }
        return text
    }

    static func requiredInt(_ base: JSONValue, _ path: JSONPath, _ name: String) throws(StripeEventError) -> Int64 {
        let value = try requiredValue(base, path, name)
        guard let number = value.int64 else { throw StripeEventError(.invalidField(name)) }
        return number
    }
}
