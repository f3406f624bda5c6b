/// What a number must show, computed from the events the server acknowledged, independently of the product's
/// domain code: written from DESIGN.md §The lifecycle (facts, then the derived state), with the tie-breaks that
/// docs/domain-formats.md records where DESIGN.md leaves room (the cancellation reason is the earliest
/// cancellation by time, then event id).
struct ExpectedNumber: Equatable, CustomStringConvertible {
    var exists = false
    var state = ""
    var reason: String?
    var paidThrough: Int64?
    var calls = 0
    var callSeconds = 0
    var smsIn = 0
    var voicemails = 0

    var description: String {
        guard exists else { return "absent" }
        return "state \(state) reason \(reason ?? "null") paid_through \(paidThrough.map(String.init) ?? "null") "
            + "calls \(calls) call_seconds \(callSeconds) sms_in \(smsIn) voicemails \(voicemails)"
    }
}

enum ReferenceModel {
    /// Billing signals are ordered by Stripe `created`, ties by the larger event id.
    struct Stamp: Comparable {
        var created: Int64
        var id: String
        static func < (a: Stamp, b: Stamp) -> Bool { a.created != b.created ? a.created < b.created : a.id < b.id }
    }

    static func expected(_ atoms: Set<Atom>) -> ExpectedNumber {
        var out = ExpectedNumber()
        guard !atoms.isEmpty else { return out }
        out.exists = true
        var paid = false, live = false, orderFailed = false
        var billing: (Stamp, String?)?  // nil reason: good standing
        var cancellations: [(Stamp, String)] = []
        var expiries: [Stamp] = []
        func bill(_ stamp: Stamp, _ delinquency: String?) {
            if billing == nil || billing!.0 < stamp { billing = (stamp, delinquency) }
        }
        for atom in atoms {
            switch atom {
            case .reserve: break
            case .payment(let created, let id, let periodEnd):
                paid = true
                if let periodEnd { out.paidThrough = max(out.paidThrough ?? periodEnd, periodEnd) }
                bill(Stamp(created: created, id: id), nil)
            case .paymentFailed(let created, let id):
                bill(Stamp(created: created, id: id), "payment_failed")
            case .subscriptionStatus(let created, let id, let status):
                switch status {
                case "active", "trialing": bill(Stamp(created: created, id: id), nil)
                case "past_due", "unpaid", "paused": bill(Stamp(created: created, id: id), "subscription_\(status)")
                case "canceled", "incomplete_expired": cancellations.append((Stamp(created: created, id: id), "subscription_\(status)"))
                default: break  // `incomplete` says nothing
                }
            case .subscriptionDeleted(let created, let id):
                cancellations.append((Stamp(created: created, id: id), "subscription_deleted"))
            case .checkoutExpired(let created, let id):
                expiries.append(Stamp(created: created, id: id))
            case .orderCompleted: live = true
            case .orderCanceled: orderFailed = true
            case .call(_, let seconds, let success, let last):
                if last {
                    out.calls += 1
                    out.callSeconds += success ? seconds : 0
                }
            case .sms: out.smsIn += 1
            case .voicemail: out.voicemails += 1
            }
        }
        // An expired checkout cancels only while no payment is known.
        if !paid { cancellations += expiries.map { ($0, "checkout_expired") } }
        if let earliest = cancellations.min(by: { $0.0 < $1.0 }) {
            out.state = "cancelled"
            out.reason = earliest.1
        } else if orderFailed && !live {
            out.state = "failed"
            out.reason = "order_canceled"
        } else if !paid {
            out.state = "pending"
        } else if !live {
            // The only order fact this traffic produces is a completion (no effect workers run), so a paid
            // number that is not live has no order yet.
            out.state = "paid"
        } else if let delinquency = billing?.1 {
            out.state = "suspended"
            out.reason = delinquency
        } else {
            out.state = "active"
        }
        return out
    }
}
