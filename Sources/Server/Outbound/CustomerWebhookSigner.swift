import CCrypto

/// Signs deliveries to customers' webhook URLs per Standard Webhooks (standardwebhooks.com):
/// `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>`, where the
/// key is the base64 part of the secret `whsec_<base64>` and the signed content is `<id>.<timestamp>.<body>`.
/// Customers verify with any Standard Webhooks library.
public struct CustomerWebhookSigner: Sendable {
    private let key: [UInt8]

    /// nil when the secret is not `whsec_` followed by valid base64 of at least one byte.
    public init?(secret: String) {
        guard secret.hasPrefix("whsec_"), let key = Base64.decode(String(secret.dropFirst(6))), !key.isEmpty else { return nil }
        self.key = key
    }

    /// `v1,<base64 signature>` for the message.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        let content = Array("\(id).\(timestamp).".utf8) + body
        return "v1," + Base64.encode(Self.hmacSHA256(key: key, message: content))
    }

    /// The three headers of a delivery.
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [HTTPField] {
        [HTTPField(name: "webhook-id", value: id),
         HTTPField(name: "webhook-timestamp", value: String(timestamp)),
         HTTPField(name: "webhook-signature", value: signature(id: id, timestamp: timestamp, body: body))]
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &digest, &length)
            }
        }
        precondition(ok != nil && length == 32, "HMAC-SHA256 failed in libcrypto")
        return digest
    }
}

/// One delivery of an event to a customer's webhook URL.
public struct CustomerWebhookDelivery: Sendable, Equatable {
    public var url: String
    public var secret: String
    /// Stable across retries of the same event, so the customer can dedupe (`webhook-id`).
    public var id: String
    public var timestamp: Int64
    public var body: [UInt8]

    public init(url: String, secret: String, id: String, timestamp: Int64, body: [UInt8]) {
        self.url = url
        self.secret = secret
        self.id = id
        self.timestamp = timestamp
        self.body = body
    }
}

/// POSTs signed JSON to customers. Any 2xx is delivered; other answers follow the usual classification,
/// except that redirects are permanent (the customer's URL needs fixing; we do not follow them).
public struct CustomerWebhookClient: Sendable {
    public static let provider = "webhook"
    private let http: HTTPClient
    public let timeout: Duration

    public init(http: HTTPClient, timeout: Duration = .seconds(15)) {
        self.http = http
        self.timeout = timeout
    }

    public func deliver(_ delivery: CustomerWebhookDelivery) async throws(ProviderError) {
        guard let signer = CustomerWebhookSigner(secret: delivery.secret) else {
            throw ProviderError(kind: .permanent, provider: Self.provider, message: "the signing secret is not a whsec_ secret")
        }
        let headers = [HTTPField(name: "Content-Type", value: "application/json")]
            + signer.headers(id: delivery.id, timestamp: delivery.timestamp, body: delivery.body)
        let request = HTTPClientRequest(method: "POST", url: delivery.url, headers: headers, body: delivery.body, timeout: timeout)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw ProviderError.transport(error, provider: Self.provider)
        }
        guard (200..<300).contains(response.status) else {
            throw ProviderError.http(response, provider: Self.provider, code: nil, message: "HTTP \(response.status)")
        }
    }
}

extension Base64 {
    /// Standard base64 with padding optional; nil on any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index < values.count {
            let group = values[index..<min(index + 4, values.count)]
            var accumulator: UInt32 = 0
            for value in group { accumulator = accumulator << 6 | UInt32(value) }
            accumulator <<= UInt32(6 * (4 - group.count))
            let produced = group.count - 1
            for shift in [16, 8, 0].prefix(produced) { out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(shift))) }
            index += 4
        }
        return out
    }
}
