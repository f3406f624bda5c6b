import Foundation
import Server
import Snapshot
import TestSupport
import Testing

/// The DIDWW door as operators run it: the real `numninja serve` on a loopback port, real curl, and the journal
/// read back by `numninja recover` once the server has stopped.
@Suite struct DIDWWServeTests {
    static let secret = "didww_cb_secret_0123456789"
    static let token = "nn_in_test_token"

    /// A scratch data directory, removed by the caller.
    static func scratch(_ name: String) -> DataDirectory {
        DataDirectory(NSTemporaryDirectory() + "nn-didww-\(name)-\(UInt64.random(in: 0...UInt64.max))")
    }

    static func environment(publicURL: String? = nil, extra: [String: String] = [:]) -> [String: String] {
        var environment = ["NUMNINJA_DIDWW_CALLBACK_SECRETS": "retired_secret," + secret, "NUMNINJA_INBOUND_TOKEN": token]
        if let publicURL { environment["NUMNINJA_PUBLIC_URL"] = publicURL }
        return environment.merging(extra) { $1 }
    }

    /// curl `-i` with the body read from a file (as `--data-binary @file`); returns the whole response text.
    static func send(_ method: String, _ url: String, body: [UInt8]? = nil, headers: [String] = []) async throws -> String {
        var arguments = ["-i", "-X", method]
        for header in headers { arguments += ["-H", header] }
        var file: String?
        if let body {
            let path = NSTemporaryDirectory() + "nn-didww-body-\(UInt64.random(in: 0...UInt64.max))"
            try Data(body).write(to: URL(fileURLWithPath: path))
            file = path
            arguments += ["--data-binary", "@" + path]
        }
        defer { if let file { try? FileManager.default.removeItem(atPath: file) } }
        return try await curl(arguments + [url]).output
    }

    /// The JSON summary `numninja recover` prints for a stopped server's directory.
    static func recovered(_ data: DataDirectory) throws -> [String: Any] {
        let text = try NumberEngineTestHelper.recover(data)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    static func pairs(_ list: [(String, String)]) -> [DIDWWPair] { list.map { DIDWWPair($0.0, $0.1) } }

    static func formBody(_ list: [(String, String)]) -> [UInt8] {
        Array(list.map { "\($0.0)=\($0.1)" }.joined(separator: "&").utf8)
    }

    // MARK: - Order callbacks

    @Test func signedPostAndGetCallbacksAreVerifiedJournaledAndDeduplicated() async throws {
        let data = Self.scratch("callback")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment())
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Unconfigured, the public URL is the listen address with its real port.
        let base = "http://\(address)"

        let target = "/api/webhooks/didww?number=num_cb1"
        // A sender that adds the DID's number (the built-in simulator does) teaches the number its E.164 route.
        let completed = [("id", "ord_1"), ("type", "orders"), ("status", "completed"), ("did_number", "442071830001")]
        let signature = try #require(DIDWWSignature.signature(secret: Self.secret, url: base + target, pairs: Self.pairs(completed)))
        let post = try await Self.send("POST", base + target, body: Self.formBody(completed),
                                       headers: ["Content-Type: application/x-www-form-urlencoded", "X-DIDWW-Signature: " + signature])
        #expect(post.hasPrefix("HTTP/1.1 200") && post.hasSuffix("{\"received\": true}"), "\(post)")
        let again = try await Self.send("POST", base + target, body: Self.formBody(completed), headers: ["X-DIDWW-Signature: " + signature])
        #expect(again.hasSuffix("{\"received\": true, \"duplicate\": true}"), "\(again)")

        // GET: the payload pairs are the query without the server's own `number`; the URL keeps everything.
        let getTarget = "/api/webhooks/didww?number=num_cb1&id=ord_1&type=orders&status=canceled"
        let getPairs = DIDWWSignature.getPayloadPairs(rawQuery: "number=num_cb1&id=ord_1&type=orders&status=canceled")
        let getSignature = try #require(DIDWWSignature.signature(secret: Self.secret, url: base + getTarget, pairs: getPairs))
        let get = try await Self.send("GET", base + getTarget, headers: ["X-DIDWW-Signature: " + getSignature])
        #expect(get.hasPrefix("HTTP/1.1 200") && get.hasSuffix("{\"received\": true}"), "\(get)")

        // A status that changes nothing is acknowledged and not journaled.
        let pendingTarget = "/api/webhooks/didww?number=num_cb1&id=ord_1&type=orders&status=pending"
        let pendingSignature = try #require(DIDWWSignature.signature(
            secret: Self.secret, url: base + pendingTarget, pairs: DIDWWSignature.getPayloadPairs(rawQuery: "id=ord_1&type=orders&status=pending")))
        #expect(try await Self.send("GET", base + pendingTarget, headers: ["X-DIDWW-Signature: " + pendingSignature]).hasPrefix("HTTP/1.1 200"))

        // Wrong, missing and empty signatures; a tampered body; a signed body that is not a callback.
        for header in ["X-DIDWW-Signature: " + String(repeating: "0", count: 40), "X-DIDWW-Signature;", nil] {
            let refused = try await Self.send("POST", base + target, body: Self.formBody(completed), headers: header.map { [$0] } ?? [])
            #expect(refused.hasPrefix("HTTP/1.1 400") && refused.contains("\"invalid_signature\""), "\(refused)")
        }
        let tampered = try await Self.send("POST", base + target, body: Self.formBody([("id", "ord_2"), ("type", "orders"), ("status", "completed")]),
                                           headers: ["X-DIDWW-Signature: " + signature])
        #expect(tampered.contains("\"invalid_signature\""))
        let noID = [("type", "orders"), ("status", "completed")]
        let noIDSignature = try #require(DIDWWSignature.signature(secret: Self.secret, url: base + target, pairs: Self.pairs(noID)))
        let invalid = try await Self.send("POST", base + target, body: Self.formBody(noID), headers: ["X-DIDWW-Signature: " + noIDSignature])
        #expect(invalid.hasPrefix("HTTP/1.1 400") && invalid.contains("\"invalid_payload\""), "\(invalid)")
        #expect(try await Self.send("PUT", base + target).hasPrefix("HTTP/1.1 405"))

        // An SMS to that DID now routes to the number instead of parking.
        let sms = try await Self.send("GET", base + "/api/webhooks/didww/sms?token=\(Self.token)&uuid=s1&from=a&to=%2B442071830001&text=hi")
        #expect(sms.hasSuffix("{\"received\": true}"), "\(sms)")

        #expect(try await ServeCommandTests.stop(process) == 0)
        // Completed, canceled and the SMS: three journaled events for the number the URL names, nothing parked.
        let summary = try Self.recovered(data)
        #expect(summary["last_sequence"] as? Int == 3 && summary["parked"] as? Int == 0 && summary["numbers"] as? Int == 1, "\(summary)")
    }

    @Test func callbackThroughAProxyPrefixIsSignedForThePublicURL() async throws {
        let data = Self.scratch("proxy")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let publicURL = "https://Hooks.Example.com:8443/numninja/"
        let (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment(publicURL: publicURL))
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The proxy strips `/numninja`; DIDWW signed the URL it called.
        let target = "/api/webhooks/didww?number=num_px1&note=caf%C3%A9+%26+more"
        let pairs = [("id", "ord_px"), ("type", "orders"), ("status", "completed"), ("note", "")]
        let signed = try #require(DIDWWSignature.signature(secret: Self.secret, url: "https://hooks.example.com:8443/numninja" + target,
                                                           pairs: Self.pairs(pairs)))
        let accepted = try await Self.send("POST", "http://\(address)" + target, body: Self.formBody(pairs),
                                           headers: ["X-DIDWW-Signature: " + signed, "Host: internal:9000"])
        #expect(accepted.hasPrefix("HTTP/1.1 200"), "\(accepted)")
        // Signed for the URL the server itself saw (no prefix, local host) instead: refused.
        let local = try #require(DIDWWSignature.signature(secret: Self.secret, url: "http://\(address)" + target, pairs: Self.pairs(pairs)))
        let refused = try await Self.send("POST", "http://\(address)" + target, body: Self.formBody(pairs),
                                          headers: ["X-DIDWW-Signature: " + local])
        #expect(refused.hasPrefix("HTTP/1.1 400") && refused.contains("\"invalid_signature\""), "\(refused)")

        #expect(try await ServeCommandTests.stop(process) == 0)
        #expect(try Self.recovered(data)["last_sequence"] as? Int == 1)
    }

    // MARK: - SMS and voicemail

    @Test func inboundSMSAndVoicemailTakeTheTokenInHeaderOrQuery() async throws {
        let data = Self.scratch("sms")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment())
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let url = "http://\(address)/api/webhooks/didww/sms"
        let header = "X-NumNinja-Token: " + Self.token
        let ok = "{\"received\": true}"

        // GET with everything in the query (DIDWW's default), the token included.
        let query = "?token=\(Self.token)&uuid=sms-1&from=%2B447700900123&to=%2B442071838750&text_base64=SGkg4piO&time=Thu%2C+31+Oct+2019+14%3A50%3A18+GMT"
        let get = try await Self.send("GET", url + query)
        #expect(get.hasPrefix("HTTP/1.1 200") && get.hasSuffix(ok), "\(get)")
        // POST form and PUT JSON with the token in a header; a repeat of sms-1 as JSON is a duplicate.
        let form = try await Self.send("POST", url, body: Array("uuid=sms-2&from=Alpha&to=442071838750&text=hello".utf8),
                                       headers: [header, "Content-Type: application/x-www-form-urlencoded"])
        #expect(form.hasSuffix(ok), "\(form)")
        let json = try await Self.send("PUT", url, body: Array(#"{"uuid":"sms-3","from":"+1 415 555 0100","to":"+44 20 7183 8750","text":"hey"}"#.utf8),
                                       headers: [header, "Content-Type: application/json"])
        #expect(json.hasSuffix(ok), "\(json)")
        let repeated = try await Self.send("POST", url, body: Array(#"{"uuid":"sms-1","from":"x","to":"1234","text":"y"}"#.utf8),
                                           headers: [header, "Content-Type: application/json"])
        #expect(repeated.hasSuffix("{\"received\": true, \"duplicate\": true}"), "\(repeated)")

        // 401 comes before any look at the body; then the body's own errors.
        for headers in [[], ["X-NumNinja-Token: wrong"]] {
            let refused = try await Self.send("POST", url, body: Array("{not json".utf8), headers: headers)
            #expect(refused.hasPrefix("HTTP/1.1 401") && refused.contains("\"unauthorized\""), "\(refused)")
        }
        #expect(try await Self.send("GET", url + "?token=wrong&uuid=u&from=a&to=1234&text=x").hasPrefix("HTTP/1.1 401"))
        let bad = try await Self.send("POST", url, body: Array("uuid=u&from=a&to=office&text=x".utf8), headers: [header])
        #expect(bad.hasPrefix("HTTP/1.1 400") && bad.contains("\"invalid_payload\"") && bad.contains("the to field"), "\(bad)")
        #expect(try await Self.send("DELETE", url, headers: [header]).hasPrefix("HTTP/1.1 405"))

        // Voicemail from the voice platform, and its repeat.
        let voice = "http://\(address)/api/webhooks/voice"
        let voicemail = Array(#"{"type":"voicemail","id":"vm_1","number":"+442071838750","from":"+447700900123","seconds":42,"recording_url":"https://rec.example/vm_1.wav","time":"2019-10-31T14:50:18Z"}"#.utf8)
        #expect(try await Self.send("POST", voice + "?token=" + Self.token, body: voicemail).hasSuffix(ok))
        #expect(try await Self.send("POST", voice, body: voicemail, headers: [header]).contains("\"duplicate\": true"))
        #expect(try await Self.send("POST", voice, body: voicemail).hasPrefix("HTTP/1.1 401"))
        let badVoice = try await Self.send("POST", voice, body: Array("[]".utf8), headers: [header])
        #expect(badVoice.hasPrefix("HTTP/1.1 400") && badVoice.contains("\"invalid_payload\""))

        #expect(try await ServeCommandTests.stop(process) == 0)
        // Three SMS and one voicemail, all parked: no number is reserved for +442071838750 yet.
        let summary = try Self.recovered(data)
        #expect(summary["last_sequence"] as? Int == 4 && summary["parked"] as? Int == 4, "\(summary)")
    }
}
