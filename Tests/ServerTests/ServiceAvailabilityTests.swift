import Foundation
@testable import Server
import Synchronization
import Testing

/// While the state recovers (the server already listens) and once shutdown begins, everything that needs the
/// engine answers 503 `unavailable`, after authentication and validation, so providers retry; `/healthz` stays 200.
@Suite struct ServiceAvailabilityTests {
    static func context() throws -> ServiceContext {
        let settings = try ServeSettings(flags: ["listen": "127.0.0.1:0"]) { _ in nil }
        let secrets = ServiceSecrets(stripe: ["whsec_avail"], didww: ["didww_avail"], inbound: ["in_avail"], api: ["api_avail"])
        return ServiceContext(settings: settings, secrets: secrets, logger: Logger(level: .off, handler: MemoryLog()))
    }

    static func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) -> HTTPRequest {
        let line = HTTPRequestLine(method: method, target: target, version: .http1_1)
        return HTTPRequest(head: HTTPRequestHead(requestLine: line, headers: HTTPHeaders([("Host", "127.0.0.1")] + headers)), body: body)
    }

    static func signedStripe() -> HTTPRequest {
        let body = StripeEventBuilder(type: "invoice.paid", numberID: "num_avail", created: StripeSignatureVerifier.currentUnixTime()).render()!
        let header = StripeSignature.header(payload: body, secrets: ["whsec_avail"], timestamp: StripeSignatureVerifier.currentUnixTime())
        return request("POST", "/api/webhooks/stripe", headers: [("Stripe-Signature", header)], body: body)
    }

    static func expectUnavailable(_ routes: Routes) async {
        let requests = [
            signedStripe(),
            request("POST", "/api/webhooks/voice", headers: [("X-NumNinja-Token", "in_avail")],
                    body: Array(#"{"type":"voicemail","id":"vm1","number":"+14155550100","from":"+1415","seconds":3,"recording_url":"https://voice.example.com/r/1.wav","time":"2026-12-03T10:00:00Z"}"#.utf8)),
            request("GET", "/api/numbers/num_avail", headers: [("Authorization", "Bearer api_avail")]),
            request("GET", "/admin/status", headers: [("Authorization", "Bearer api_avail")]),
            request("GET", "/readyz"),
        ]
        for request in requests {
            let response = await routes.respond(to: request)
            #expect(response.status == 503, "\(request.method) \(request.target): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
            #expect(String(decoding: response.body, as: UTF8.self).contains("\"unavailable\""))
        }
        // The synchronous Stripe path answers the same.
        let answered = Mutex<HTTPResponse?>(nil)
        #expect(routes.respondImmediately(to: signedStripe()) { response in answered.withLock { $0 = response } })
        #expect(answered.withLock { $0?.status } == 503)
        #expect(await routes.respond(to: request("GET", "/healthz")).status == 200)
    }

    @Test func whileRecoveringEngineEndpointsAnswer503AfterAuthentication() async throws {
        let context = try Self.context()
        let routes = Routes(context: context)
        #expect(context.isRecovering)
        await Self.expectUnavailable(routes)
        // Authentication and validation still come first: a bad signature is 400, a missing token 401.
        let forged = Self.request("POST", "/api/webhooks/stripe", headers: [("Stripe-Signature", "t=1,v1=00")], body: Array("{}".utf8))
        #expect(await routes.respond(to: forged).status == 400)
        let anonymous = Self.request("GET", "/api/numbers/num_avail")
        #expect(await routes.respond(to: anonymous).status == 401)
    }

    @Test func afterShutdownBeginsEngineEndpointsAnswer503() async throws {
        let context = try Self.context()
        context.beginStopping()
        await Self.expectUnavailable(Routes(context: context))
    }
}
