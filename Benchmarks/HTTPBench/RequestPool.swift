import Server

/// Pre-built, pre-signed webhook requests: realistic Stripe events (1.5–3 KB) for `numbers` numbers, each with
/// a unique event id, so every 2xx from the server is one journaled event. Built before timing starts.
struct RequestPool {
    let requests: [[UInt8]]
    /// Part of every event id of this pool: `evt_<tag>_<index>`.
    let tag: String

    /// Event types whose bodies are 1.5–3 KB once compact: payments, checkouts and disputes.
    static let types = ["checkout.session.completed", "payment_intent.succeeded", "charge.dispute.created", "checkout.session.expired"]

    init(count: Int, numbers: Int, secret: String, host: String, tag: String, seed: UInt64) {
        self.tag = tag
        var generator = SplitMix(seed: seed)
        let now = StripeSignatureVerifier.currentUnixTime()
        // Each type is rendered once with markers in place of the number and event ids, then spliced per request.
        let templates = Self.types.map { CompiledEvent(type: $0, created: now) }
        var built: [[UInt8]] = []
        built.reserveCapacity(count)
        for index in 0..<count {
            let number = Array("b\(generator.next() % UInt64(numbers))".utf8)
            let template = templates[Int(generator.next() % UInt64(templates.count))]
            let body = template.fill(number: number, event: Array("\(tag)_\(index)".utf8))
            let signature = StripeSignature.header(payload: body, secrets: [secret], timestamp: now)
            let head = "POST /api/webhooks/stripe HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\n"
                + "Stripe-Signature: \(signature)\r\nContent-Length: \(body.count)\r\n\r\n"
            built.append(Array(head.utf8) + body)
        }
        requests = built
    }

    var meanBodyBytes: Int { requests.isEmpty ? 0 : requests.reduce(0) { $0 + $1.count } / requests.count }
}

/// A tiny seeded generator (SplitMix64) so a run can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A Stripe event of one type split around its number-id and event-id markers, so a request body is a few
/// array appends instead of a template render.
struct CompiledEvent {
    enum Part { case bytes([UInt8]), number, event }
    let parts: [Part]

    static let numberMarker = Array("QQNUMQQ".utf8)
    static let eventMarker = Array("QQEVTQQ".utf8)

    init(type: String, created: Int64) {
        let rendered = StripeEventBuilder(type: type, numberID: "num_QQNUMQQ", created: created, eventID: "evt_QQEVTQQ").render()!
        var parts: [Part] = []
        var current: [UInt8] = []
        var index = 0
        while index < rendered.count {
            if Self.matches(rendered, index, Self.numberMarker) {
                parts.append(.bytes(current)); current = []; parts.append(.number); index += Self.numberMarker.count
            } else if Self.matches(rendered, index, Self.eventMarker) {
                parts.append(.bytes(current)); current = []; parts.append(.event); index += Self.eventMarker.count
            } else {
                current.append(rendered[index]); index += 1
            }
        }
        parts.append(.bytes(current))
        self.parts = parts
    }

    static func matches(_ bytes: [UInt8], _ at: Int, _ marker: [UInt8]) -> Bool {
        at + marker.count <= bytes.count && bytes[at..<(at + marker.count)].elementsEqual(marker)
    }

    func fill(number: [UInt8], event: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(2048)
        for part in parts {
            switch part {
            case .bytes(let bytes): out += bytes
            case .number: out += number
            case .event: out += event
            }
        }
        return out
    }
}
