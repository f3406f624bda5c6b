import Synchronization

/// A Stripe API on loopback for the calls fulfilment makes: meter events (idempotent on `identifier`: a repeat
/// answers the first event and records nothing), refunds (idempotent on `Idempotency-Key`: a repeat with the same
/// parameters replays the first answer, with other parameters it is a 400 `idempotency_error`), and the event
/// list with `delivery_success` and `starting_after` paging. Bearer authentication with `apiKey`.
public final class StripeSimulator: Sendable {
    public struct MeterEvent: Sendable, Equatable {
        public var eventName: String
        public var customerID: String
        public var value: String
        public var identifier: String
        public var timestamp: Int64
    }

    public struct Refund: Sendable, Equatable {
        public var id: String
        public var paymentIntent: String?
        public var charge: String?
        public var amount: Int
        public var idempotencyKey: String?
    }

    public struct Event: Sendable, Equatable {
        public var id: String
        public var type: String
        public var created: Int64
        public var deliverySuccess: Bool
        /// The event object as JSON.
        public var json: String
    }

    struct StoredAnswer {
        var parameters: [UInt8]
        var status: Int
        var body: String
    }

    struct State {
        var meterEvents: [MeterEvent] = []
        var refunds: [Refund] = []
        var events: [Event] = []
        var idempotency: [String: StoredAnswer] = [:]
        var paymentAmounts: [String: Int] = [:]
        var refunded: [String: Int] = [:]
    }

    public let apiKey: String
    /// `NUMNINJA_STRIPE_API_URL` (paths start with `/v1`).
    public let url: String
    public let faults = SimulatorFaults()
    let state = Mutex(State())
    private let server: HTTPServer
    private let slot = SimulatorHandlerSlot()

    public init(apiKey: String = "sk_test_simulator") throws {
        self.apiKey = apiKey
        let slot = self.slot
        server = try HTTPServer(configuration: Simulator.configuration()) { await slot.handle($0) }
        url = "http://127.0.0.1:\(server.port)"
        slot.set { [self] request in await self.handle(request) }
    }

    public func shutdown() async {
        await server.shutdown()
        slot.set(nil)
    }

    /// The amount a payment intent or charge can be refunded (default 1000 for any `pi_`/`ch_` id).
    public func registerPayment(_ id: String, amount: Int) { state.withLock { $0.paymentAmounts[id] = amount } }

    /// Adds an event to `GET /v1/events` (`deliverySuccess: false` lists it under `delivery_success=false`).
    public func addEvent(id: String, type: String, created: Int64, deliverySuccess: Bool = false, objectJSON: String = "{}") {
        var event = JSONObject()
        event.set("id", id)
        event.set("object", "event")
        event.set("type", type)
        event.set("created", created)
        event.set("livemode", false)
        event.setRaw("data", "{\"object\":\(objectJSON)}")
        state.withLock { $0.events.append(Event(id: id, type: type, created: created, deliverySuccess: deliverySuccess, json: event.string)) }
    }

    public var meterEvents: [MeterEvent] { state.withLock { $0.meterEvents } }
    public var refunds: [Refund] { state.withLock { $0.refunds } }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.headers["Authorization"] == "Bearer " + apiKey else {
            return Self.error(401, type: "invalid_request_error", code: nil, message: "Invalid API Key provided")
        }
        if let status = await faults.apply() {
            var response = Self.error(status, type: "api_error", code: nil, message: "Simulated failure")
            response.headers += Simulator.retryAfterHeaders(status)
            return response
        }
        switch (request.method, String(request.path)) {
        case ("POST", "/v1/billing/meter_events"): return meterEvent(QueryParameters(bytes: request.body))
        case ("POST", "/v1/refunds"): return refund(request)
        case ("GET", "/v1/events"): return listEvents(QueryParameters(request.query))
        default: return Self.error(404, type: "invalid_request_error", code: "resource_missing", message: "Unrecognized request URL")
        }
    }

    static func error(_ status: Int, type: String, code: String?, message: String, param: String? = nil) -> HTTPResponse {
        var error = JSONObject()
        error.set("type", type)
        if let code { error.set("code", code) }
        if let param { error.set("param", param) }
        error.set("message", message)
        return Simulator.json(status, "{\"error\":\(error.string)}")
    }
}
