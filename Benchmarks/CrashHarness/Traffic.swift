/// One fact-bearing unit of input as the reference model sees it. A request carries one or more (a CDR batch
/// carries one per record); the server may keep all, or, for a request that got no 2xx, none or some of them.
enum Atom: Hashable {
    case reserve
    /// A payment success (checkout paid, or an invoice paid with its period end).
    case payment(created: Int64, id: String, periodEnd: Int64?)
    case paymentFailed(created: Int64, id: String)
    case subscriptionStatus(created: Int64, id: String, status: String)
    case subscriptionDeleted(created: Int64, id: String)
    case checkoutExpired(created: Int64, id: String)
    case orderCompleted
    case orderCanceled
    case call(id: String, seconds: Int, success: Bool, last: Bool)
    case sms(id: String)
    case voicemail(id: String)
}

/// One request a provider (or the API client) sends; a duplicate delivery is the same value again.
struct Delivery {
    enum Kind {
        case reserve
        case stripe(type: String, eventID: String, created: Int64, status: String?, periodEnd: Int64?)
        case didwwOrder(status: String)
        case sms(uuid: String, time: Int64)
        case cdr(records: [CDRRecord])
        case voicemail(id: String, seconds: Int, time: Int64)
    }

    struct CDRRecord {
        var id: String
        var seconds: Int
        var success: Bool
        var last: Bool
        var time: Int64
    }

    var kind: Kind
    var atoms: [Atom]

    var label: String {
        switch kind {
        case .reserve: "reserve"
        case .stripe(let type, let id, let created, let status, _): "stripe \(type) \(id) created \(created)" + (status.map { " status \($0)" } ?? "")
        case .didwwOrder(let status): "didww order \(status)"
        case .sms(let uuid, _): "sms \(uuid)"
        case .cdr(let records): "cdr batch \(records.map(\.id).joined(separator: ","))"
        case .voicemail(let id, _, _): "voicemail \(id)"
        }
    }
}

/// A number's identity in the run: ids derived from its index, so Stripe's defaults (`cus_<suffix>`,
/// `sub_<suffix>`) line up with the reservation.
struct NumberIdentity {
    let index: Int
    let suffix: String

    init(index: Int, prefix: String) {
        self.index = index
        suffix = "\(prefix)\(index)"
    }

    var id: String { "num_\(suffix)" }
    var customer: String { "cus_\(suffix)" }
    /// `+1415` and seven digits: unique per index below ten million.
    var e164: String {
        let digits = String(index)
        return "+1415" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }
}

/// The delivery script of one number: the reservation first (SMS, CDRs and voicemail route by E.164, which the
/// reservation teaches), then its provider events in a shuffled order (out of order by `created`), some twice.
enum ScriptBuilder {
    /// 2026-11-01T00:00:00Z: every provider time of a run falls in November 2026, one usage month.
    static let base: Int64 = 1_793_491_200
    static let day: Int64 = 86_400

    static func script(for number: NumberIdentity, seed: UInt64) -> [Delivery] {
        var random = SeededRandom.derived(seed, UInt64(number.index))
        var created = base + Int64(random.int(0...3 * 86_400))
        var serial = 0
        func stripe(_ type: String, status: String? = nil, periodEnd: Bool = false) -> Delivery {
            created += Int64(random.int(1...3600))
            serial += 1
            let id = "evt_\(number.suffix)_\(serial)"
            let end = periodEnd ? created + 30 * day : nil
            let atom: Atom
            switch type {
            case "invoice.paid", "checkout.session.completed": atom = .payment(created: created, id: id, periodEnd: end)
            case "invoice.payment_failed": atom = .paymentFailed(created: created, id: id)
            case "customer.subscription.deleted": atom = .subscriptionDeleted(created: created, id: id)
            case "checkout.session.expired": atom = .checkoutExpired(created: created, id: id)
            default: atom = .subscriptionStatus(created: created, id: id, status: status ?? "active")
            }
            return Delivery(kind: .stripe(type: type, eventID: id, created: created, status: status, periodEnd: end), atoms: [atom])
        }
        var rest: [Delivery] = []
        if random.chance(0.08) {
            rest.append(stripe("checkout.session.expired"))
            if random.chance(0.4) { rest.append(stripe("checkout.session.completed")) }
        } else {
            rest.append(stripe("checkout.session.completed"))
        }
        let order = random.int(0...99)
        if order < 85 {
            rest.append(Delivery(kind: .didwwOrder(status: "completed"), atoms: [.orderCompleted]))
        } else if order < 92 {
            rest.append(Delivery(kind: .didwwOrder(status: "canceled"), atoms: [.orderCanceled]))
        }
        for _ in 0..<random.int(0...4) {
            let roll = random.int(0...99)
            if roll < 45 {
                rest.append(stripe("invoice.paid", periodEnd: true))
            } else if roll < 75 {
                rest.append(stripe("invoice.payment_failed"))
            } else {
                rest.append(stripe("customer.subscription.updated", status: random.pick(["active", "trialing", "past_due", "unpaid", "paused"])))
            }
        }
        if random.chance(0.12) { rest.append(stripe("customer.subscription.deleted")) }
        rest += usage(number, &random)
        for index in rest.indices where random.chance(0.15) { rest.append(rest[index]) }
        random.shuffle(&rest)
        return [Delivery(kind: .reserve, atoms: [.reserve])] + rest
    }

    static func usage(_ number: NumberIdentity, _ random: inout SeededRandom) -> [Delivery] {
        var out: [Delivery] = []
        func time() -> Int64 { base + Int64(random.int(0...(25 * 86_400))) }
        for index in 0..<random.int(0...4) {
            let uuid = "sms-\(number.suffix)-\(index)"
            out.append(Delivery(kind: .sms(uuid: uuid, time: time()), atoms: [.sms(id: uuid)]))
        }
        for batch in 0..<random.int(0...2) {
            var records: [Delivery.CDRRecord] = []
            for index in 0..<random.int(1...4) {
                let success = random.chance(0.85)
                records.append(Delivery.CDRRecord(id: "cdr-\(number.suffix)-\(batch)-\(index)", seconds: success ? random.int(1...900) : 0,
                                                  success: success, last: random.chance(0.85), time: time()))
            }
            out.append(Delivery(kind: .cdr(records: records),
                                atoms: records.map { .call(id: $0.id, seconds: $0.seconds, success: $0.success, last: $0.last) }))
        }
        for index in 0..<random.int(0...2) {
            let id = "vm-\(number.suffix)-\(index)"
            out.append(Delivery(kind: .voicemail(id: id, seconds: random.int(0...120), time: time()), atoms: [.voicemail(id: id)]))
        }
        return out
    }
}
