#if canImport(Glibc)
import Glibc
#endif

/// The whole story of one number, told through the real server and the provider simulators: every step
/// sends what a provider or the customer would send, then waits (bounded) for its consequence to be visible
/// where a user would see it (the numbers API, the DIDWW and Stripe simulators, the SMTP and webhook sinks).
final class DemoStory {
    struct StepFailure: Error, CustomStringConvertible {
        let description: String
    }

    static let numberID = "num_demo1"
    static let e164 = "+14155550188"
    static let email = "owner@example.com"
    static let stepTimeoutSeconds: UInt64 = 15

    let simulators: ProviderSimulators
    let host: String
    let port: Int
    let stripeSecret: String
    let inboundToken: String
    let apiToken: String
    let started = MonotonicClock.now()
    private var last = MonotonicClock.now()
    private let print: (String) -> Void
    /// Stripe `created` times, one after another, so billing events are ordered as in life.
    private var clock: Int64

    init(simulators: ProviderSimulators, host: String, port: Int, stripeSecret: String, inboundToken: String,
         apiToken: String, print: @escaping (String) -> Void) {
        self.simulators = simulators
        self.host = host
        self.port = port
        self.stripeSecret = stripeSecret
        self.inboundToken = inboundToken
        self.apiToken = apiToken
        self.print = print
        clock = StripeSignatureVerifier.currentUnixTime() - 600
    }

    /// Runs every step; throws at the first one whose consequence does not appear.
    func run() throws {
        let number = Self.numberID
        try step("reserve \(Self.e164) for cus_demo1 (POST /api/numbers)") {
            let body = """
                {"id":"\(number)","e164":"\(Self.e164)","customer":"cus_demo1",\
                "didww":{"sku_id":"sku_demo_us","available_did_id":"adid_demo"},\
                "plan":{"included_call_seconds":120,"included_sms":100,"overage":"bill"},\
                "forward":{"email":"\(Self.email)","webhook_url":"\(simulators.webhooks.url)/customer"}}
                """
            let response = try call("POST", "/api/numbers", body: Array(body.utf8))
            guard response.status == 201 else { throw StepFailure(description: "expected 201, got \(response.status) \(text(response.body))") }
            return "201, state \(try state())"
        }
        try step("checkout.session.completed, paid (Stripe webhook)") {
            try stripe("checkout.session.completed")
            return "state " + (try waitFor("paid or later") { ["paid", "provisioning", "active"].contains($0["state"]?.string ?? "") })
        }
        try step("order placed at DIDWW (ProvisionNumber)") {
            let order = try waitUntil("an order for \(number) at the DIDWW simulator") { self.simulators.didww.order(externalReferenceID: number) }
            return "order \(order.id), external_reference_id \(number)"
        }
        try step("DIDWW order callback (completed, signed)") {
            let callback = try waitUntil("the simulator's order callback") { self.simulators.didww.callbacks.first }
            return "\(callback.method.uppercased()) \(callback.url)"
        }
        try step("number active, DID routed to the voice trunk") {
            _ = try waitFor("active") { $0["state"]?.string == "active" }
            let did = try waitUntil("the DID routed to the trunk") {
                self.simulators.didww.dids.first { $0.voiceInTrunkID == Fulfilment.simulatedTrunk || $0.voiceInTrunkID != nil }
            }
            return "active; DID \(did.id) (\(did.number)) on trunk \(did.voiceInTrunkID ?? "?")"
        }
        try step("inbound call, 60 s (DIDWW CDR stream, gzip)") {
            try didww(["cdr", "--to", Self.e164, "--duration", "60"])
            let usage = try waitFor("one call counted") { $0["usage.calls"]?.int64 == 1 }
            return "usage " + usage
        }
        try step("inbound SMS forwarded by email and webhook") {
            try didww(["sms", "--to", Self.e164, "--from", "+14155550123", "--text", "Is the number live?"])
            let mail = try waitUntil("the SMS in the SMTP sink") {
                self.simulators.smtp.messages.first { ($0.header("Subject") ?? "").hasPrefix("SMS from") }
            }
            let hook = try waitUntil("the sms.received webhook") {
                self.simulators.webhooks.deliveries.first { self.text($0.body).contains("\"sms.received\"") }
            }
            let signed = hook.header("webhook-signature")?.hasPrefix("v1,") == true
            return "email to \(mail.recipients.joined(separator: ",")); webhook \(hook.header("webhook-id") ?? "?") signed \(signed)"
        }
        try step("invoice.payment_failed → suspended, customer notified") {
            try stripe("invoice.payment_failed")
            _ = try waitFor("suspended") { $0["state"]?.string == "suspended" }
            _ = try waitUntil("the 'suspended' email") {
                self.simulators.smtp.messages.first { ($0.header("Subject") ?? "").contains("is now suspended") }
            }
            return "suspended (payment_failed); email sent"
        }
        try step("invoice.paid → active again") {
            try stripe("invoice.paid")
            let state = try waitFor("active") { $0["state"]?.string == "active" }
            return state
        }
        try step("over-plan call, 300 s → usage billed (Stripe meter event)") {
            try didww(["cdr", "--to", Self.e164, "--duration", "300"])
            let meter = try waitUntil("a meter event at the Stripe simulator") { self.simulators.stripe.meterEvents.first }
            return "\(meter.eventName) \(meter.value) for \(meter.customerID), identifier \(meter.identifier)"
        }
        try step("customer.subscription.deleted → cancelled, DID released") {
            try stripe("customer.subscription.deleted")
            _ = try waitFor("cancelled") { $0["state"]?.string == "cancelled" }
            let did = try waitUntil("the DID terminated at the DIDWW simulator") { self.simulators.didww.dids.first { $0.terminated } }
            return "cancelled (subscription_deleted); DID \(did.id) terminated"
        }
    }

    // MARK: Steps

    private func step(_ name: String, _ body: () throws -> String) throws {
        do {
            let detail = try body()
            let now = MonotonicClock.now()
            print(Self.line(total: now - started, step: now - last, ok: true, name: name, detail: detail))
            last = now
        } catch {
            let now = MonotonicClock.now()
            print(Self.line(total: now - started, step: now - last, ok: false, name: name, detail: "\(error)"))
            throw error
        }
    }

    static func line(total: UInt64, step: UInt64, ok: Bool, name: String, detail: String) -> String {
        func millis(_ nanos: UInt64) -> String {
            let text = String(nanos / 1_000_000)
            return String(repeating: " ", count: max(0, 6 - text.count)) + text
        }
        return "\(millis(total)) ms \(millis(step)) ms  \(ok ? "ok  " : "FAIL") \(name): \(detail)"
    }

    // MARK: Sending

    private func stripe(_ type: String) throws {
        clock += 60
        var event = StripeEventBuilder(type: type, numberID: Self.numberID, created: clock)
        event.customer = "cus_demo1"
        let body = event.render()!
        let header = StripeSignature.header(payload: body, secrets: [stripeSecret], timestamp: StripeSignatureVerifier.currentUnixTime())
        let response = try OneShotHTTPClient.send(host: host, port: port, method: "POST", target: "/api/webhooks/stripe",
                                                  headers: [("Content-Type", "application/json"), ("Stripe-Signature", header)], body: body)
        guard response.status == 200 else { throw StepFailure(description: "Stripe webhook answered \(response.status) \(text(response.body))") }
    }

    private func didww(_ arguments: [String]) throws {
        let args = try Arguments(["didww"] + arguments + ["--token", inboundToken], valueFlags: SendCommand.valueFlags)
        let request = try DIDWWSend.request(args)
        let response = try OneShotHTTPClient.send(host: host, port: port, method: request.method, target: request.target,
                                                  headers: request.headers, body: request.body)
        guard response.status == 200 else { throw StepFailure(description: "\(request.target) answered \(response.status) \(text(response.body))") }
    }

    private func call(_ method: String, _ target: String, body: [UInt8] = []) throws -> OneShotHTTPClient.Response {
        var headers = [("Authorization", "Bearer " + apiToken)]
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        return try OneShotHTTPClient.send(host: host, port: port, method: method, target: target, headers: headers, body: body)
    }

    // MARK: Waiting

    private func number() throws -> JSONDocument {
        let response = try call("GET", "/api/numbers/" + Self.numberID)
        guard response.status == 200 else { throw StepFailure(description: "GET number answered \(response.status)") }
        do { return try JSONScanner.parse(response.body) } catch { throw StepFailure(description: "the number is not JSON: \(error)") }
    }

    private func state() throws -> String { try number()["state"]?.string ?? "?" }

    /// Polls the number until `condition` holds; returns a short description of it.
    private func waitFor(_ what: String, _ condition: (JSONDocument) -> Bool) throws -> String {
        let document = try waitUntil("the number to be \(what)") { () -> JSONDocument? in
            guard let document = try? self.number() else { return nil }
            return condition(document) ? document : nil
        }
        let state = document["state"]?.string ?? "?"
        let calls = document["usage.calls"]?.int64 ?? 0
        let seconds = document["usage.call_seconds"]?.int64 ?? 0
        let sms = document["usage.sms_in"]?.int64 ?? 0
        return "\(state), calls \(calls), call_seconds \(seconds), sms_in \(sms), version \(document["version"]?.int64 ?? 0)"
    }

    private func waitUntil<T>(_ what: String, _ probe: () throws -> T?) throws -> T {
        let deadline = MonotonicClock.now() + Self.stepTimeoutSeconds * 1_000_000_000
        while true {
            if let value = try probe() { return value }
            if MonotonicClock.now() >= deadline {
                let current = (try? number()).map { text($0.bytes) } ?? "unavailable"
                throw StepFailure(description: "timed out after \(Self.stepTimeoutSeconds) s waiting for \(what); the number: \(current)")
            }
            usleep(20_000)
        }
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(600), as: UTF8.self) }
}
