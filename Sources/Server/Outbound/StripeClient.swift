/// Connection settings of the Stripe API (`NUMNINJA_STRIPE_API_URL`, `NUMNINJA_STRIPE_API_KEY`).
public struct StripeClientConfiguration: Sendable {
    /// `https://api.stripe.com` (paths start with `/v1`).
    public var baseURL: String
    public var apiKey: String
    /// `Stripe-Version`, when pinned; nil uses the account's default.
    public var apiVersion: String?

    public init(baseURL: String = "https://api.stripe.com", apiKey: String, apiVersion: String? = nil) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.apiVersion = apiVersion
    }
}

/// Usage above a plan's limit (`POST /v1/billing/meter_events`). `identifier` makes a retry count once.
public struct StripeMeterEvent: Sendable, Equatable {
    public var eventName: String
    public var customerID: String
    public var value: Int
    public var identifier: String
    /// Unix seconds of the usage; nil lets Stripe use the time of receipt.
    public var timestamp: Int64?

    public init(eventName: String, customerID: String, value: Int, identifier: String, timestamp: Int64? = nil) {
        self.eventName = eventName
        self.customerID = customerID
        self.value = value
        self.identifier = identifier
        self.timestamp = timestamp
    }
}

/// `POST /v1/refunds` of a payment intent or a charge; `idempotencyKey` goes in the `Idempotency-Key` header.
public struct StripeRefundRequest: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        case paymentIntent(String)
        case charge(String)
    }

    public var target: Target
    /// Minor units; nil refunds what is left.
    public var amount: Int?
    public var reason: String?
    public var metadata: [String: String]
    public var idempotencyKey: String

    public init(target: Target, amount: Int? = nil, reason: String? = nil, metadata: [String: String] = [:],
                idempotencyKey: String) {
        self.target = target
        self.amount = amount
        self.reason = reason
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
    }
}

public struct StripeRefund: Sendable, Equatable {
    public var id: String
    public var status: String
    public var amount: Int?
}

/// One event of `GET /v1/events`, with its raw JSON for the webhook ingestion path.
public struct StripeEventSummary: Sendable, Equatable {
    public var id: String
    public var type: String
    public var created: Int64
    public var json: [UInt8]
}

public struct StripeEventPage: Sendable, Equatable {
    public var events: [StripeEventSummary]
    public var hasMore: Bool
}

/// The Stripe calls fulfilment needs: meter events, refunds, and the events Stripe failed to deliver.
public struct StripeClient: Sendable {
    public static let provider = "stripe"
    public let configuration: StripeClientConfiguration
    private let http: HTTPClient

    public init(configuration: StripeClientConfiguration, http: HTTPClient) {
        self.configuration = configuration
        self.http = http
    }

    /// Records usage. Returns the identifier Stripe stored.
    @discardableResult
    public func reportMeterEvent(_ event: StripeMeterEvent) async throws(ProviderError) -> String {
        var pairs = [("event_name", event.eventName), ("payload[stripe_customer_id]", event.customerID),
                     ("payload[value]", String(event.value)), ("identifier", event.identifier)]
        if let timestamp = event.timestamp { pairs.append(("timestamp", String(timestamp))) }
        let response = try await send("POST", "/v1/billing/meter_events", form: pairs, idempotencyKey: nil)
        let document = try parse(response)
        return document["identifier"]?.string ?? event.identifier
    }

    public func createRefund(_ refund: StripeRefundRequest) async throws(ProviderError) -> StripeRefund {
        var pairs: [(String, String)]
        switch refund.target {
        case .paymentIntent(let id): pairs = [("payment_intent", id)]
        case .charge(let id): pairs = [("charge", id)]
        }
        if let amount = refund.amount { pairs.append(("amount", String(amount))) }
        if let reason = refund.reason { pairs.append(("reason", reason)) }
        for key in refund.metadata.keys.sorted() { pairs.append(("metadata[\(key)]", refund.metadata[key]!)) }
        let response = try await send("POST", "/v1/refunds", form: pairs, idempotencyKey: refund.idempotencyKey)
        let document = try parse(response)
        return StripeRefund(id: document["id"]?.string ?? "", status: document["status"]?.string ?? "",
                            amount: document["amount"]?.int64.map { Int($0) })
    }

    /// One page of events, newest first (`GET /v1/events`); `startingAfter` is the last id of the previous page.
    public func listEvents(deliverySuccess: Bool? = false, startingAfter: String? = nil, limit: Int = 100) async throws(ProviderError) -> StripeEventPage {
        var pairs = [("limit", String(limit))]
        if let deliverySuccess { pairs.append(("delivery_success", String(deliverySuccess))) }
        if let startingAfter { pairs.append(("starting_after", startingAfter)) }
        let response = try await send("GET", "/v1/events?" + FormEncoding.encode(pairs), form: nil, idempotencyKey: nil)
        let document = try parse(response)
        var events: [StripeEventSummary] = []
        document["data"]?.forEachElement { event in
            events.append(StripeEventSummary(id: event["id"]?.string ?? "", type: event["type"]?.string ?? "",
                                             created: event["created"]?.int64 ?? 0, json: Array(event.containerBytes)))
        }
        return StripeEventPage(events: events, hasMore: document["has_more"]?.bool ?? false)
    }

    /// Every event Stripe could not deliver, following `has_more` for at most `maxPages` pages.
    public func undeliveredEvents(maxPages: Int = 50) async throws(ProviderError) -> [StripeEventSummary] {
        var all: [StripeEventSummary] = []
        var cursor: String?
        for _ in 0..<maxPages {
            let page = try await listEvents(deliverySuccess: false, startingAfter: cursor)
            all += page.events
            guard page.hasMore, let last = page.events.last else { break }
            cursor = last.id
        }
        return all
    }

    // MARK: - Requests

    private func send(_ method: String, _ path: String, form: [(String, String)]?, idempotencyKey: String?) async throws(ProviderError) -> HTTPClientResponse {
        var headers = [HTTPField(name: "Authorization", value: "Bearer " + configuration.apiKey)]
        if let version = configuration.apiVersion { headers.append(HTTPField(name: "Stripe-Version", value: version)) }
        if let idempotencyKey { headers.append(HTTPField(name: "Idempotency-Key", value: idempotencyKey)) }
        var body: [UInt8] = []
        if let form {
            headers.append(HTTPField(name: "Content-Type", value: "application/x-www-form-urlencoded"))
            body = Array(FormEncoding.encode(form).utf8)
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(HTTPClientRequest(method: method, url: configuration.baseURL + path, headers: headers, body: body))
        } catch {
            throw ProviderError.transport(error, provider: Self.provider)
        }
        guard (200..<300).contains(response.status) else { throw Self.failure(response) }
        return response
    }

    private func parse(_ response: HTTPClientResponse) throws(ProviderError) -> JSONDocument {
        try JSONAPIDocument.parse(response.body, provider: Self.provider)
    }

    /// Stripe's error object (`error.code`, `error.message`); `Stripe-Should-Retry` overrides the status rule.
    static func failure(_ response: HTTPClientResponse) -> ProviderError {
        let error = (try? JSONScanner.parse(response.body))?["error"]
        var failure = ProviderError.http(response, provider: provider, code: error?["code"]?.string ?? error?["type"]?.string,
                                         message: error?["message"]?.string ?? "HTTP \(response.status)")
        switch response.header("Stripe-Should-Retry") {
        case "true": failure.kind = .retryable
        case "false": failure.kind = .permanent
        default: break
        }
        return failure
    }
}
