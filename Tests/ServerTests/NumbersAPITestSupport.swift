import Foundation
import Server
import Snapshot
import Testing

/// A running `numninja serve` with a known API token and Stripe secret, spoken to with real curl.
final class APIServer: @unchecked Sendable {
    static let token = "nn_api_test_token"
    static let stripeSecret = "whsec_api_tests_secret"
    static let environment = ["NUMNINJA_API_TOKEN": "nn_api_rotated," + token, "NUMNINJA_STRIPE_WEBHOOK_SECRETS": stripeSecret]

    let data: DataDirectory
    /// Added to (and overriding) `environment` for this server.
    let extraEnvironment: [String: String]
    private(set) var process: Process
    private(set) var address: String

    init(data: DataDirectory? = nil, environment extra: [String: String] = [:]) async throws {
        self.data = data ?? DataDirectory(NSTemporaryDirectory() + "nn-api-\(UInt64.random(in: 0...UInt64.max))")
        extraEnvironment = extra
        (process, address, _) = try await ServeCommandTests.startServe(data: self.data, environment: Self.environment.merging(extra) { $1 })
    }

    /// Stops gracefully and starts again on the same directory.
    func restart() async throws {
        #expect(try await ServeCommandTests.stop(process) == 0)
        (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment.merging(extraEnvironment) { $1 })
    }

    /// SIGKILL, then start again on the same directory.
    func killAndRestart() async throws {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment.merging(extraEnvironment) { $1 })
    }

    func finish(removing: Bool = true) async throws {
        if process.isRunning { #expect(try await ServeCommandTests.stop(process) == 0) }
        if removing { try? FileManager.default.removeItem(atPath: data.path) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    struct Reply: CustomStringConvertible {
        var status: Int
        var text: String

        var object: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }

        var error: String? { object["error"] as? String }
        var message: String { object["message"] as? String ?? "" }
        var description: String { "\(status) \(text)" }
    }

    /// One request; `token: nil` sends no Authorization header.
    func call(_ method: String, _ path: String, body: String? = nil, token: String? = APIServer.token,
              headers: [String] = []) async throws -> Reply {
        var arguments = ["-X", method, "-o", "-", "-w", "\n%{http_code}"]
        if let token { arguments += ["-H", "Authorization: Bearer " + token] }
        for header in headers { arguments += ["-H", header] }
        if body != nil { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
        let result = try await curl(arguments + ["http://\(address)\(path)"], input: body.map { Array($0.utf8) })
        let output = result.output
        guard let newline = output.lastIndex(of: "\n"), let status = Int(output[output.index(after: newline)...]) else {
            throw ClientError("curl gave no status: \(output) \(result.log)")
        }
        return Reply(status: status, text: String(output[..<newline]))
    }

    func get(_ path: String) async throws -> Reply { try await call("GET", path) }

    /// A signed Stripe event; 200 expected.
    func stripe(_ body: String) async throws -> String {
        let bytes = Array(body.utf8)
        let header = StripeSignature.header(payload: bytes, secrets: [Self.stripeSecret], timestamp: Int64(Date().timeIntervalSince1970))
        return try await ServeCommandTests.postStripe(address, body: bytes, header: header)
    }

    static func reservation(_ id: String?, e164: String = "+14155550100", customer: String = "cus_1",
                            forward: String? = nil) -> String {
        var fields = [#""e164": "\#(e164)""#, #""customer": "\#(customer)""#, #""didww": {"sku_id": "sku_us_1"}"#,
                      #""plan": {"included_call_seconds": 6000, "included_sms": 500, "overage": "bill"}"#]
        if let id { fields.insert(#""id": "\#(id)""#, at: 0) }
        if let forward { fields.append(#""forward": \#(forward)"#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func checkoutCompleted(_ eventID: String, number: String, customer: String, subscription: String, created: Int64) -> String {
        """
        {"id": "\(eventID)", "type": "checkout.session.completed", "created": \(created), "data": {"object": {
          "id": "cs_\(eventID)", "object": "checkout.session", "client_reference_id": "\(number)", "customer": "\(customer)",
          "subscription": "\(subscription)", "payment_status": "paid", "payment_intent": "pi_\(eventID)"}}}
        """
    }

    static func invoice(_ type: String, _ eventID: String, subscription: String, customer: String, created: Int64) -> String {
        """
        {"id": "\(eventID)", "type": "\(type)", "created": \(created), "data": {"object": {
          "id": "in_\(eventID)", "object": "invoice", "subscription": "\(subscription)", "customer": "\(customer)",
          "lines": {"data": [{"period": {"end": \(created + 2_592_000)}}]}}}}
        """
    }
}
