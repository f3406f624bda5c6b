import Foundation
import Server
import Testing

/// `X-DIDWW-Signature` verification: DIDWW's own SDK vectors, bad inputs, URL normalization and the URL rebuild.
@Suite struct DIDWWSignatureTests {
    struct Vector {
        var name: String
        var url: String
        var payload: [DIDWWPair]
        var signature: String
        var valid: Bool
        var secret: String
        var normalizedURL: String
        var stringToSign: String
    }

    static func vectors() throws -> [Vector] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/didww-signature-vectors.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let list = try #require(json["vectors"] as? [[String: Any]])
        return try list.map { v in
            let payload = try #require(v["payload"] as? [String: String])
            return Vector(name: try #require(v["name"] as? String), url: try #require(v["url"] as? String),
                          payload: payload.map { DIDWWPair($0.key, $0.value) },
                          signature: try #require(v["signature"] as? String), valid: try #require(v["valid"] as? Bool),
                          secret: try #require(v["callback_secret"] as? String),
                          normalizedURL: try #require(v["normalized_url"] as? String),
                          stringToSign: try #require(v["string_to_sign"] as? String))
        }
    }

    // MARK: - DIDWW's vectors

    @Test func allSDKVectorsPass() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 26)
        for v in vectors {
            #expect(DIDWWURL.parse(v.url)?.normalized == v.normalizedURL, "\(v.name)")
            #expect(DIDWWSignature.stringToSign(url: v.url, pairs: v.payload) == Array(v.stringToSign.utf8), "\(v.name)")
            let verdict = DIDWWSignatureVerifier(secrets: [v.secret]).verify(url: v.url, pairs: v.payload, signature: v.signature)
            #expect(verdict.isVerified == v.valid, "\(v.name)")
            if v.valid {
                #expect(DIDWWSignature.signature(secret: v.secret, url: v.url, pairs: v.payload) == v.signature, "\(v.name)")
            }
        }
    }

    // MARK: - Bad inputs

    static let url = "https://mycompany.com/didww_callbacks?opaque=123"
    static let secret = "szrdgh6547umt7tht7xbqhj6g9gdbyp7"
    static let pairs = [DIDWWPair("id", "bf2cee72-6caa-4ae2-917e-bea01945691e"), DIDWWPair("status", "completed"),
                        DIDWWPair("type", "orders")]
    static let signature = "30f66e9d72eb5e193051fd02952f70d8e934b4ff"  // DIDWW's documentation example

    @Test func documentationExampleAndRotation() {
        #expect(DIDWWSignatureVerifier(secrets: [Self.secret]).verify(url: Self.url, pairs: Self.pairs, signature: Self.signature) == .verified)
        #expect(DIDWWSignatureVerifier(secrets: ["old", Self.secret]).verify(url: Self.url, pairs: Self.pairs, signature: Self.signature) == .verified)
        #expect(DIDWWSignatureVerifier(secrets: [Self.secret, "new"]).verify(url: Self.url, pairs: Self.pairs, signature: Self.signature) == .verified)
    }

    @Test func wrongSecretTamperedValueOrURLIsInvalid() {
        let verifier = DIDWWSignatureVerifier(secrets: [Self.secret])
        #expect(DIDWWSignatureVerifier(secrets: ["wrong"]).verify(url: Self.url, pairs: Self.pairs, signature: Self.signature) == .rejected(.invalidSignature))
        var tampered = Self.pairs
        tampered[1].value = Array("failed".utf8)
        #expect(verifier.verify(url: Self.url, pairs: tampered, signature: Self.signature) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs + [DIDWWPair("extra", "")], signature: Self.signature) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url, pairs: Array(Self.pairs.dropLast()), signature: Self.signature) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url + "4", pairs: Self.pairs, signature: Self.signature) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: "http://mycompany.com/didww_callbacks?opaque=123", pairs: Self.pairs, signature: Self.signature) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: "not a url", pairs: Self.pairs, signature: Self.signature) == .rejected(.invalidSignature))
        // Pair order does not matter (keys are sorted); a key moved into another key's value does.
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs.reversed(), signature: Self.signature) == .verified)
    }

    @Test func missingOrEmptySignatureIsInvalid() {
        let verifier = DIDWWSignatureVerifier(secrets: [Self.secret])
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs, signature: Optional<String>.none) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs, signature: "") == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs, signature: " " + Self.signature) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs, signature: String(Self.signature.dropLast())) == .rejected(.invalidSignature))
        // No secret, or an empty one, never verifies anything (an empty HMAC key would let anyone sign).
        let emptyKeyed = DIDWWSignature.signature(secret: "", url: Self.url, pairs: Self.pairs)!
        #expect(DIDWWSignatureVerifier(secrets: [""]).verify(url: Self.url, pairs: Self.pairs, signature: emptyKeyed) == .rejected(.invalidSignature))
        #expect(DIDWWSignatureVerifier(secrets: []).secretCount == 0)
    }

    @Test func uppercaseHexIsRejectedLikeTheSDK() {
        // The SDKs compare the lowercase hex digest as a string (hmac.compare_digest, Ruby ==): case matters.
        let verifier = DIDWWSignatureVerifier(secrets: [Self.secret])
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs, signature: Self.signature.uppercased()) == .rejected(.invalidSignature))
        #expect(verifier.verify(url: Self.url, pairs: Self.pairs, signature: "30F66e9d72eb5e193051fd02952f70d8e934b4ff") == .rejected(.invalidSignature))
    }

    @Test func emptyValueStillContributesItsKey() {
        let message = DIDWWSignature.stringToSign(url: "http://a.b/c", pairs: [DIDWWPair("b", ""), DIDWWPair("a", "1")])
        #expect(message == Array("http://a.b:80/ca1b".utf8))
        // Keys sort by bytes ("Z" < "_" < "a"); a repeated key keeps its last value.
        let sorted = DIDWWSignature.stringToSign(url: "http://a.b/", pairs: [DIDWWPair("a", "1"), DIDWWPair("_", "2"),
                                                                            DIDWWPair("Z", "3"), DIDWWPair("a", "4")])
        #expect(sorted == Array("http://a.b:80/Z3_2a4".utf8))
    }

    // MARK: - URL normalization

    @Test func normalization() {
        let cases: [(String, String)] = [
            ("http://foo.com/bar", "http://foo.com:80/bar"),
            ("https://foo.com/bar", "https://foo.com:443/bar"),
            ("https://foo.com:80/bar", "https://foo.com:80/bar"),
            ("http://foo.com:443/bar", "http://foo.com:443/bar"),
            ("http://foo.com:080/bar", "http://foo.com:80/bar"),
            ("http://foo.com:/bar", "http://foo.com:80/bar"),
            ("HTTPS://FOO.com/Bar", "https://foo.com:443/Bar"),
            ("ftp://foo.com/x", "ftp://foo.com:80/x"),
            ("http://foo.com", "http://foo.com:80"),
            ("http://foo.com?x=1", "http://foo.com:80?x=1"),
            ("http://[::1]/bar", "http://[::1]:80/bar"),
            ("https://[2001:DB8::1]:8443/bar", "https://[2001:db8::1]:8443/bar"),
            ("http://user:pass@foo.com/bar", "http://user:pass@foo.com:80/bar"),
            ("http://user@foo.com/bar", "http://user@foo.com:80/bar"),
            ("http://user:@foo.com/bar", "http://user@foo.com:80/bar"),
            ("http://:pass@foo.com/bar", "http://foo.com:80/bar"),
            ("http://a@b:c@foo.com/bar", "http://a@b:c@foo.com:80/bar"),
            ("http://u:p@[::1]:9/bar", "http://u:p@[::1]:9/bar"),
            ("http://foo.com/bar#frag", "http://foo.com:80/bar#frag"),
            ("http://foo.com/bar?#", "http://foo.com:80/bar"),
            ("http://foo.com/a%2Fb%20c?x=%41+b&y=#f?g", "http://foo.com:80/a%2Fb%20c?x=%41+b&y=#f?g"),
            ("http://foo.com/bar?q=a?b", "http://foo.com:80/bar?q=a?b"),
        ]
        for (input, expected) in cases {
            #expect(DIDWWURL.parse(input)?.normalized == expected, "\(input)")
        }
        for bad in ["foo.com/bar", "/bar", "http:/foo.com", "://foo.com", "1http://foo.com", "http://[::1/bar",
                    "http://foo.com:99999/", "http://foo.com:8a/", "http://foo.com:-1/"] {
            #expect(DIDWWURL.parse(bad) == nil, "\(bad)")
        }
    }

    // MARK: - Form decoding

    @Test func formDecoding() {
        #expect(DIDWWSignature.formUnescape(Array("a+b%20c%2Bd".utf8)) == Array("a b c+d".utf8))
        #expect(DIDWWSignature.formUnescape(Array("%C3%A9%e2%98%83".utf8)) == Array("é☃".utf8))
        // A bad escape stays literal.
        #expect(DIDWWSignature.formUnescape(Array("100%".utf8)) == Array("100%".utf8))
        #expect(DIDWWSignature.formUnescape(Array("%zz%4%4g%%41".utf8)) == Array("%zz%4%4g%A".utf8))
        // Bytes are kept even when they are not UTF-8.
        #expect(DIDWWSignature.formUnescape(Array("%FF%00".utf8)) == [0xFF, 0x00])
        #expect(DIDWWSignature.decodeForm("a=1&&b=&c&=d&e=x=y") == [
            DIDWWPair("a", "1"), DIDWWPair("b", ""), DIDWWPair("c", ""), DIDWWPair("", "d"), DIDWWPair("e", "x=y"),
        ])
        #expect(DIDWWSignature.decodeForm("") == [])
        #expect(DIDWWSignature.decodeForm("reject+reason=bad%20doc") == [DIDWWPair("reject reason", "bad doc")])
    }

    @Test func postFormBodyVerifies() throws {
        let v = try #require(try Self.vectors().first { $0.name == "valid request" })
        let body = "id=1dd7a68b-e235-402b-8912-fe73ee14243a&status=completed&type=orders"
        let verdict = DIDWWSignatureVerifier(secrets: [v.secret])
            .verify(url: v.url, pairs: DIDWWSignature.decodeForm(body), signature: v.signature)
        #expect(verdict == .verified)
    }

    // MARK: - GET pairs and the callback URL rebuild

    @Test func getPairsAreTheQueryWithoutTheServersOwnParameters() throws {
        let pairs = DIDWWSignature.getPayloadPairs(rawQuery: "number=num_1&token=t&id=7&status=completed&reject_reason=")
        #expect(pairs == [DIDWWPair("id", "7"), DIDWWPair("status", "completed"), DIDWWPair("reject_reason", "")])
        // The sandbox GET vector: every query parameter is DIDWW's.
        let v = try #require(try Self.vectors().first { $0.name.hasPrefix("sandbox callback (GET") })
        let query = String(v.url.split(separator: "?", maxSplits: 1)[1])
        #expect(DIDWWSignatureVerifier(secrets: [v.secret])
            .verify(url: v.url, pairs: DIDWWSignature.getPayloadPairs(rawQuery: query), signature: v.signature) == .verified)
    }

    @Test func callbackURLIsRebuiltFromThePublicBase() {
        let target = "/api/webhooks/didww?number=num_1&id=7&x=a%20b+c"
        #expect(DIDWWSignature.callbackURL(publicBaseURL: "https://hooks.example.com", requestTarget: target)
            == "https://hooks.example.com/api/webhooks/didww?number=num_1&id=7&x=a%20b+c")
        #expect(DIDWWSignature.callbackURL(publicBaseURL: "https://hooks.example.com/", requestTarget: target)
            == "https://hooks.example.com/api/webhooks/didww?number=num_1&id=7&x=a%20b+c")
        #expect(DIDWWSignature.callbackURL(publicBaseURL: "https://example.com:8443/numninja/", requestTarget: target)
            == "https://example.com:8443/numninja/api/webhooks/didww?number=num_1&id=7&x=a%20b+c")
        #expect(DIDWWSignature.callbackURL(publicBaseURL: "http://[::1]:8080", path: "/api/webhooks/didww", rawQuery: nil)
            == "http://[::1]:8080/api/webhooks/didww")
        #expect(DIDWWSignature.callbackURL(publicBaseURL: "http://127.0.0.1:8080", path: "/p", rawQuery: "")
            == "http://127.0.0.1:8080/p?")
        #expect(DIDWWSignature.callbackURL(publicBaseURL: "not a url", requestTarget: target) == nil)
    }

    @Test func endToEndPostAndGetThroughTheRebuiltURL() {
        let secret = "cb_secret"
        let base = "https://example.com/prefix"
        let verifier = DIDWWSignatureVerifier(secrets: ["rotated-out", secret])
        // POST: DIDWW called https://example.com/prefix/api/webhooks/didww?number=num_1; a proxy stripped /prefix.
        let postURL = DIDWWSignature.callbackURL(publicBaseURL: base, requestTarget: "/api/webhooks/didww?number=num_1")!
        let body = "id=ord_1&status=completed&type=orders&note="
        let postPairs = DIDWWSignature.decodeForm(body)
        let postSig = DIDWWSignature.signature(secret: secret, url: "https://example.com:443/prefix/api/webhooks/didww?number=num_1",
                                               pairs: postPairs)!
        #expect(verifier.verify(url: postURL, pairs: postPairs, signature: postSig) == .verified)
        // The Host header plays no part: a rebuild from another base fails.
        let wrongURL = DIDWWSignature.callbackURL(publicBaseURL: "https://example.com", requestTarget: "/api/webhooks/didww?number=num_1")!
        #expect(verifier.verify(url: wrongURL, pairs: postPairs, signature: postSig) == .rejected(.invalidSignature))
        // GET: DIDWW's parameters are in the URL and also signed as pairs; number and token only in the URL.
        let target = "/api/webhooks/didww?number=num_1&id=ord_1&status=completed&type=orders"
        let getURL = DIDWWSignature.callbackURL(publicBaseURL: base, requestTarget: target)!
        let getPairs = DIDWWSignature.getPayloadPairs(rawQuery: "number=num_1&id=ord_1&status=completed&type=orders")
        let expected = "https://example.com:443/prefix/api/webhooks/didww?number=num_1&id=ord_1&status=completed&type=orders"
            + "idord_1statuscompletedtypeorders"
        #expect(DIDWWSignature.stringToSign(url: getURL, pairs: getPairs) == Array(expected.utf8))
        let getSig = DIDWWSignature.signature(secret: secret, url: getURL, pairs: getPairs)!
        #expect(verifier.verify(url: getURL, pairs: getPairs, signature: getSig) == .verified)
        #expect(verifier.verify(url: getURL, pairs: DIDWWSignature.decodeForm("number=num_1&id=ord_1&status=completed&type=orders"),
                                signature: getSig) == .rejected(.invalidSignature))
    }
}
