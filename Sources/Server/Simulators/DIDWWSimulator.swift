import Synchronization

/// A DIDWW API v3 (and Outbound SMS API) on loopback, speaking the subset fulfilment uses, with an in-memory
/// store. After an order is created it completes or cancels it (per SKU, see `OrderOutcome`) after
/// `callbackDelay`, and POSTs the signed order callback (`id`, `type=orders`, `status`, plus `did_id` and
/// `did_number` on completion) to the order's `callback_url`. Orders are idempotent on `external_reference_id`;
/// over 20 requests/s per API key the answer is 429.
public final class DIDWWSimulator: Sendable {
    /// What happens to an order for a SKU.
    public enum OrderOutcome: Sendable, Equatable {
        case complete
        case cancel
        /// `POST /v3/orders` answers 500 and creates nothing.
        case serverError
        /// `POST /v3/orders` answers 422 "Insufficient balance" (a permanent failure).
        case insufficientBalance
        /// The create call answers after this long, then the order completes.
        case slow(Duration)
        /// The order is created (and completes, with its callback) at once, but the create call answers only
        /// after this long: the callback can overtake the answer, and a client that gives up (or crashes)
        /// before the answer has still bought the number.
        case lateAnswer(Duration)

        /// Reads the control endpoint's `outcome` value (`slow` takes `delay_ms`).
        public init?(name: String, delayMilliseconds: Int = 0) {
            switch name {
            case "complete": self = .complete
            case "cancel": self = .cancel
            case "fail", "server_error": self = .serverError
            case "insufficient_balance": self = .insufficientBalance
            case "slow": self = .slow(.milliseconds(delayMilliseconds))
            case "late_answer": self = .lateAnswer(.milliseconds(delayMilliseconds))
            default: return nil
            }
        }
    }

    public struct Configuration: Sendable {
        public var apiKey: String
        /// Signs the order callbacks (`X-DIDWW-Signature`); the server verifies with `NUMNINJA_DIDWW_CALLBACK_SECRETS`.
        public var callbackSecret: String
        public var callbackDelay: Duration
        /// Attempts per callback (DIDWW retries failed callbacks).
        public var callbackAttempts: Int
        public var smsUsername: String
        public var smsPassword: String
        public var rateLimitPerSecond: Int

        public init(apiKey: String = "sim-didww-api-key", callbackSecret: String = "sim-didww-callback-secret",
                    callbackDelay: Duration = .milliseconds(50), callbackAttempts: Int = 3,
                    smsUsername: String = "sim-sms-user", smsPassword: String = "sim-sms-password",
                    rateLimitPerSecond: Int = 20) {
            self.apiKey = apiKey
            self.callbackSecret = callbackSecret
            self.callbackDelay = callbackDelay
            self.callbackAttempts = callbackAttempts
            self.smsUsername = smsUsername
            self.smsPassword = smsPassword
            self.rateLimitPerSecond = rateLimitPerSecond
        }
    }

    public struct Order: Sendable, Equatable {
        public var id: String
        public var reference: String
        public var status: String
        public var skuID: String
        public var availableDIDID: String?
        public var quantity: Int
        public var externalReferenceID: String?
        public var callbackURL: String?
        public var callbackMethod: String
        public var createdAt: Int64
    }

    public struct DID: Sendable, Equatable {
        public var id: String
        public var number: String
        public var orderID: String
        public var blocked: Bool
        public var terminated: Bool
        public var expiresAt: Int64
        public var voiceInTrunkID: String?
    }

    /// A callback sent (one entry per attempt), with the answer it got (nil: no answer).
    public struct Callback: Sendable, Equatable {
        public var url: String
        public var method: String
        public var pairs: [DIDWWPair]
        public var signature: String
        public var responseStatus: Int?
    }

    public struct SMS: Sendable, Equatable {
        public var id: String
        public var source: String
        public var destination: String
        public var content: String
    }

    struct State {
        var orders: [Order] = []
        var dids: [DID] = []
        var callbacks: [Callback] = []
        var sms: [SMS] = []
        var outcomes: [String: OrderOutcome] = [:]
        var defaultOutcome = OrderOutcome.complete
        var availableNumbers: [String: String] = [:]
        var nextNumber = 0
        var createRequests = 0
    }

    public let configuration: Configuration
    /// The API root, `/v3` included (what `NUMNINJA_DIDWW_API_URL` would be).
    public let apiURL: String
    /// The Outbound SMS API root (`NUMNINJA_DIDWW_SMS_URL`).
    public let smsURL: String
    public let faults = SimulatorFaults()
    let state = Mutex(State())
    let limiter: SimulatorRateLimiter
    let callbackClient = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(2), readTimeout: .seconds(5),
                                                                           totalTimeout: .seconds(10)))
    private let server: Mutex<HTTPServer?>
    private let slot: SimulatorHandlerSlot

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        self.limiter = SimulatorRateLimiter(perSecond: configuration.rateLimitPerSecond)
        let slot = SimulatorHandlerSlot()
        let server = try HTTPServer(configuration: Simulator.configuration()) { await slot.handle($0) }
        self.server = Mutex(server)
        self.slot = slot
        apiURL = "http://127.0.0.1:\(server.port)/v3"
        smsURL = "http://127.0.0.1:\(server.port)"
        slot.set { [self] request in await self.handle(request) }
    }

    public func shutdown() async {
        if let server = server.withLock({ $0 }) { await server.shutdown() }
        slot.set(nil)
        callbackClient.closeIdleConnections()
    }

    // MARK: - Control

    public func setOutcome(_ outcome: OrderOutcome, forSKU sku: String) { state.withLock { $0.outcomes[sku] = outcome } }

    public func setDefaultOutcome(_ outcome: OrderOutcome) { state.withLock { $0.defaultOutcome = outcome } }

    /// The number an `available_did_id` buys (others get generated `1555...` numbers).
    public func registerAvailableDID(id: String, number: String) { state.withLock { $0.availableNumbers[id] = number } }

    /// Marks a DID blocked, as DIDWW does for compliance reasons (reconciliation finds it).
    public func setBlocked(didID: String, _ blocked: Bool) {
        state.withLock { state in
            if let index = state.dids.firstIndex(where: { $0.id == didID }) { state.dids[index].blocked = blocked }
        }
    }

    // MARK: - Records

    public var orders: [Order] { state.withLock { $0.orders } }
    public var dids: [DID] { state.withLock { $0.dids } }
    public var callbacks: [Callback] { state.withLock { $0.callbacks } }
    public var sentSMS: [SMS] { state.withLock { $0.sms } }
    /// `POST /v3/orders` calls that reached the store (rate-limited, unauthorised and failed ones excluded).
    public var createOrderRequests: Int { state.withLock { $0.createRequests } }

    public func order(externalReferenceID: String) -> Order? {
        state.withLock { $0.orders.first { $0.externalReferenceID == externalReferenceID } }
    }
}
