import Foundation
import Server
import Testing

/// `X-DIDWW-Signature` parity with DIDWW's official SDK (`didww` on PyPI, `RequestValidator`): on a seeded corpus
/// of callback URLs, payloads and signatures, our verdict and our signature equal the SDK's.
@Suite struct DIDWWSignatureParityTests {
    @Test func verdictsAndSignaturesEqualTheOfficialSDK() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let check = try StripeSignatureTests.python(["-c", "from didww.callback.request_validator import RequestValidator"])
        try #require(check.status == 0, """
            The DIDWW SDK parity test needs the official SDK: run `python3 -m pip install didww==3.2.0` \
            (or scripts/install-deps.sh). python3 said: \(check.stderr)
            """)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("didww-parity-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try StripeSignatureTests.python([fixtures.appendingPathComponent("didww_parity.py").path, output.path])
        try #require(run.status == 0, "didww_parity.py failed: \(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.count >= 700, "the corpus has several hundred cases")

        var mismatches: [String] = []
        var seen: [String: Int] = [:]
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let url = try #require(item["url"] as? String)
            let secret = try #require(item["secret"] as? String)
            let payload = try #require(item["payload"] as? [[String]]).map { DIDWWPair($0[0], $0[1]) }
            let signature = item["signature"] as? String
            let expected = item["verdict"] as? String ?? "?"
            seen[expected, default: 0] += 1
            let ours = DIDWWSignatureVerifier(secrets: [secret]).verify(url: url, pairs: payload, signature: signature)
            if (ours == .verified ? "verified" : "invalid") != expected {
                mismatches.append("\(name): \(url.debugDescription) SDK \(expected), ours \(ours)")
            }
            let sdkSignature = item["sdk_signature"] as? String
            if DIDWWSignature.signature(secret: secret, url: url, pairs: payload) != sdkSignature {
                mismatches.append("\(name): \(url.debugDescription) signature differs from the SDK's")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ from \(json["sdk"] ?? "the SDK"):\n\(mismatches.prefix(30).joined(separator: "\n"))")
        #expect((seen["verified"] ?? 0) > 150 && (seen["invalid"] ?? 0) > 300, "corpus has both outcomes: \(seen)")
    }
}
