import Foundation
@testable import Server
import Testing

@Suite(.serialized) struct OutboundWebhookAndSMTPTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func standardWebhooksSignatureVerifiesWithTheOfficialPackage() async throws {
        let signer = try #require(CustomerWebhookSigner(secret: Self.secret))
        let body = Array("{\"type\":\"number.active\",\"data\":{\"id\":\"num_1\",\"text\":\"é\"}}".utf8)
        let now = Int64(Date().timeIntervalSince1970)
        let headers = signer.headers(id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", timestamp: now, body: body)
        let script = """
        import sys, json
        from standardwebhooks.webhooks import Webhook
        headers = json.loads(sys.argv[2])
        Webhook(sys.argv[1]).verify(sys.stdin.buffer.read(), headers)
        print("verified")
        """
        let headerJSON = "{" + headers.map { "\"\($0.name)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
        let result = try await runProgram("/usr/bin/env", ["python3", "-c", script, Self.secret, headerJSON], input: body)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("verified"))
    }

    @Test func knownStandardWebhooksVector() throws {
        // The example of the Standard Webhooks specification's reference libraries.
        let signer = try #require(CustomerWebhookSigner(secret: Self.secret))
        let signature = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330,
                                         body: Array("{\"test\": 2432232314}".utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(CustomerWebhookSigner(secret: "not-a-secret") == nil)
    }

    @Test func deliveriesAreSignedAndFailuresClassified() async throws {
        let sink = try WebhookSink()
        defer { Task { await sink.shutdown() } }
        let client = CustomerWebhookClient(http: HTTPClient())
        let delivery = CustomerWebhookDelivery(url: sink.url + "/hooks", secret: Self.secret, id: "evt_1", timestamp: 1_700_000_000,
                                               body: Array("{}".utf8))
        try await client.deliver(delivery)
        let received = try #require(sink.deliveries.first)
        #expect(received.header("webhook-id") == "evt_1" && received.header("webhook-signature")?.hasPrefix("v1,") == true)
        sink.respond(with: 500)
        await #expect(throws: ProviderError.self) { try await client.deliver(delivery) }
        do { try await client.deliver(delivery) } catch { #expect(error.isRetryable && error.status == 500) }
        sink.respond(with: 410)
        do { try await client.deliver(delivery) } catch { #expect(!error.isRetryable) }
    }

    @Test func slowWebhookSinkTimesOutAsRetryable() async throws {
        let sink = try WebhookSink()
        defer { Task { await sink.shutdown() } }
        sink.faults.setDelay(.seconds(2))
        let client = CustomerWebhookClient(http: HTTPClient(), timeout: .milliseconds(200))
        do {
            try await client.deliver(CustomerWebhookDelivery(url: sink.url, secret: Self.secret, id: "e", timestamp: 1, body: []))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.isRetryable && error.code == "timeout")
        }
    }

    @Test func dotStuffingSurvivesTheRoundTripThroughTheSink() async throws {
        let sink = try SMTPSink()
        defer { Task { await sink.shutdown() } }
        let text = ".leading dot\nmiddle\n..two dots\r\n.\nlast line without newline"
        let configuration = try #require(SMTPConfiguration(url: "smtp://alice:p%40ss@127.0.0.1:\(sink.port)", from: "noreply@numninja.test"))
        #expect(configuration.username == "alice" && configuration.password == "p@ss")
        let client = try SMTPClient(configuration: configuration)
        try await client.send(EmailMessage(to: ["bob@example.com"], subject: "Your number is active ✓", text: text))
        let message = try #require(sink.messages.first)
        #expect(message.from == "noreply@numninja.test" && message.recipients == ["bob@example.com"])
        #expect(message.authenticatedUser == "alice")
        #expect(message.body == ".leading dot\r\nmiddle\r\n..two dots\r\n.\r\nlast line without newline\r\n")
        #expect(message.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)
        #expect(message.header("Message-ID") != nil && message.header("Date") != nil)
    }

    @Test func smtpTemporaryFailureIsRetryableAndRejectionPermanent() async throws {
        let sink = try SMTPSink()
        defer { Task { await sink.shutdown() } }
        let client = try SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.port, from: "a@numninja.test"))
        sink.failNext(1)
        do {
            try await client.send(EmailMessage(to: ["x@example.com"], subject: "s", text: "t"))
            Issue.record("expected 451")
        } catch {
            #expect(error.isRetryable && error.status == 451)
        }
        sink.reject(recipient: "gone@example.com")
        do {
            try await client.send(EmailMessage(to: ["gone@example.com"], subject: "s", text: "t"))
            Issue.record("expected 550")
        } catch {
            #expect(!error.isRetryable && error.status == 550)
        }
        try await client.send(EmailMessage(to: ["x@example.com"], subject: "s", text: "t"))
        #expect(sink.messages.count == 1)
    }
}
