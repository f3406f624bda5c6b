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
        var built: [[UInt8]] = []
        built.reserveCapacity(count)
        for index in 0..<count {
            let number = Int(generator.next() % UInt64(numbers))
            let type = Self.types[Int(generator.next() % UInt64(Self.types.count))]
            let event = StripeEventBuilder(type: type, numberID: "num_b\(number)", created: now - Int64(index % 600),
                                           eventID: "evt_\(tag)_\(index)")
            let body = event.render()!
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
