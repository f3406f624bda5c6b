/// A realistic Stripe event for one number, from Stripe's own example payloads (`StripeEventTemplates`):
/// the identifying values (event id, time, number id, customer, subscription, payment ids, status, invoice
/// period) are filled in, so the server routes, deduplicates and applies it like a real delivery.
public struct StripeEventBuilder: Sendable {
    public var type: String
    public var numberID: String
    public var eventID: String
    public var created: Int64
    public var customer: String
    public var subscription: String
    public var paymentIntent: String
    public var charge: String
    public var dispute: String
    public var status: String
    public var periodStart: Int64
    public var periodEnd: Int64

    public static var types: [String] { StripeEventTemplates.byType.keys.sorted() }

    /// Defaults derive every id from the number id, so events for one number link up (checkout → subscription →
    /// invoices → charges) and events for different numbers never collide.
    public init(type: String, numberID: String, created: Int64, eventID: String? = nil) {
        self.type = type
        self.numberID = numberID
        self.created = created
        let suffix = numberID.hasPrefix("num_") ? String(numberID.dropFirst(4)) : numberID
        self.eventID = eventID ?? "evt_\(suffix)_\(UInt64.random(in: 0...UInt64.max))"
        customer = "cus_\(suffix)"
        subscription = "sub_\(suffix)"
        paymentIntent = "pi_\(suffix)"
        charge = "ch_\(suffix)"
        dispute = "dp_\(suffix)"
        status = Self.defaultStatus(type)
        periodStart = created
        periodEnd = created + 30 * 86_400
    }

    static func defaultStatus(_ type: String) -> String {
        switch type {
        case "customer.subscription.deleted": "canceled"
        case "customer.subscription.paused": "paused"
        case "customer.subscription.trial_will_end": "trialing"
        case "customer.subscription.updated", "customer.subscription.created", "customer.subscription.resumed": "active"
        case "charge.dispute.created": "needs_response"
        case "charge.dispute.closed": "won"
        default: ""
        }
    }

    /// The event JSON, or nil for a type without a template.
    public func render() -> [UInt8]? {
        guard let template = StripeEventTemplates.byType[type] else { return nil }
        var text = template
        text = text.replacingAll("\"{{#created}}\"", with: String(created))
        text = text.replacingAll("\"{{#period_end}}\"", with: String(periodEnd))
        text = text.replacingAll("\"{{#period_start}}\"", with: String(periodStart))
        let strings = [("event_id", eventID), ("number_id", numberID), ("customer", customer), ("subscription", subscription),
                       ("payment_intent", paymentIntent), ("charge", charge), ("dispute", dispute), ("status", status)]
        for (name, value) in strings {
            text = text.replacingAll("{{\(name)}}", with: String(JSONText.quote(value).dropFirst().dropLast()))
        }
        return Array(text.utf8)
    }
}

extension String {
    /// Every occurrence of `target` replaced (byte-wise over UTF-8), without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let source = Array(utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty, source.count >= needle.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            if source[index] == needle[0], index + needle.count <= source.count,
               source[index..<(index + needle.count)].elementsEqual(needle) {
                out += replacement.utf8
                index += needle.count
            } else {
                out.append(source[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
