import Foundation
import Server
import Testing

/// `Stripe-Signature` verification: every parsing rule and error code, then parity with the official SDK.
@Suite struct StripeSignatureTests {
    static let secret = "whsec_test_primary_0123456789abcdef"
    static let rotated = "whsec_test_rotated_fedcba9876543210"
    static let now: Int64 = 1_700_000_000
    static let payload = Array(#"{"id":"evt_1","object":"event","type":"invoice.paid","note":"café ☕"}"#.utf8)

    static func v1(_ timestamp: Int64, _ secret: String = secret) -> String {
        StripeSignature.v1(payload: payload, secret: secret, timestamp: timestamp)
    }

    static func verdict(_ header: String?, secrets: [String] = [secret], tolerance: Int64 = 300,
                        now: Int64 = now, payload: [UInt8] = payload) -> StripeSignatureVerdict {
        StripeSignatureVerifier(secrets: secrets, tolerance: tolerance).verify(payload: payload, header: header, now: now)
    }

    static let good = "t=\(now),v1=\(v1(now))"

    // MARK: - The signature itself

    @Test func signatureIsLowercaseHexHMACSHA256OfTimestampDotBody() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac 'whsec_abc' (and Python's hmac)
        let sig = StripeSignature.v1(payload: Array("{}".utf8), secret: "whsec_abc", timestamp: 1_700_000_000)
        #expect(sig == "bad9ac117e973d721c232d46744158d75e3f1b44e36771e13d01b9e6a580bc72")
        #expect(Self.verdict(Self.good) == .verified)
        #expect(StripeSignature.header(payload: Self.payload, secrets: [Self.secret], timestamp: Self.now) == Self.good)
    }

    @Test func signatureMatchesOpenSSLCommandLine() throws {
        let body = "{\"a\":1}"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "dgst", "-sha256", "-hmac", "whsec_cli"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }  // the openssl CLI is optional; libcrypto is not
        input.fileHandleForWriting.write(Data("42.\(body)".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let hex = text.split(separator: " ").last else { return }
        #expect(hex.trimmingCharacters(in: .whitespacesAndNewlines)
            == StripeSignature.v1(payload: Array(body.utf8), secret: "whsec_cli", timestamp: 42))
    }

    @Test func bodyBytesAreExact() {
        var tampered = Self.payload
        tampered[tampered.count - 2] ^= 0x01
        #expect(Self.verdict(Self.good, payload: tampered) == .rejected(.invalidSignature))
        #expect(Self.verdict(Self.good, payload: Self.payload + [0x0A]) == .rejected(.invalidSignature))
        // An empty body and a non-UTF-8 body are HMACed as they are.
        let binary: [UInt8] = [0xFF, 0x00, 0xC3]
        let header = StripeSignature.header(payload: binary, secrets: [Self.secret], timestamp: Self.now)
        #expect(Self.verdict(header, payload: binary) == .verified)
        let empty = StripeSignature.header(payload: [], secrets: [Self.secret], timestamp: Self.now)
        #expect(Self.verdict(empty, payload: []) == .verified)
    }

    // MARK: - Error codes

    @Test func errorCodesAreTheContractOnes() {
        #expect(StripeSignatureFailure.malformedSignatureHeader.code == "malformed_signature_header")
        #expect(StripeSignatureFailure.invalidSignature.code == "invalid_signature")
        #expect(StripeSignatureFailure.timestampOutOfTolerance.code == "timestamp_out_of_tolerance")
        #expect(StripeSignatureVerdict.verified.errorCode == nil)
        #expect(StripeSignatureVerdict.rejected(.invalidSignature).errorCode == "invalid_signature")
    }

    @Test func missingOrUnparseableHeaderIsMalformed() {
        for header in [nil, "", ",", "=", "garbage", "t=\(Self.now)", "v1=\(Self.v1(Self.now))", "t=,v1=abc",
                       "t=abc,v1=\(Self.v1(Self.now))", "t=1.5,v1=x", "T=\(Self.now),v1=\(Self.v1(Self.now))",
                       "t=\(Self.now),v0=\(Self.v1(Self.now))", "t=\(Self.now),V1=\(Self.v1(Self.now))"] as [String?] {
            #expect(Self.verdict(header) == .rejected(.malformedSignatureHeader), "\(String(describing: header))")
        }
        #expect(StripeSignatureVerifier(secrets: [Self.secret])
            .verify(payload: Self.payload, header: Optional<[UInt8]>.none, now: Self.now) == .rejected(.malformedSignatureHeader))
    }

    @Test func bareTOrV1ItemMakesTheHeaderMalformed() {
        let sig = Self.v1(Self.now)
        #expect(Self.verdict("t=\(Self.now),t,v1=\(sig)") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t=\(Self.now),v1=\(sig),v1") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t,t=\(Self.now),v1=\(sig)") == .rejected(.malformedSignatureHeader))
        // ...but a bare unknown item is ignored.
        #expect(Self.verdict("t=\(Self.now),v0,x,v1=\(sig)") == .verified)
    }

    @Test func wrongSignatureIsInvalid() {
        let sig = Self.v1(Self.now)
        #expect(Self.verdict("t=\(Self.now),v1=\(String(repeating: "0", count: 64))") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now),v1=") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now),v1=\(sig.uppercased())") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now),v1=\(sig.dropLast())") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now),v1=\(sig)0") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now),v1=\(sig) ") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now + 1),v1=\(sig)") == .rejected(.invalidSignature))
        #expect(Self.verdict(Self.good, secrets: ["whsec_other"]) == .rejected(.invalidSignature))
        #expect(Self.verdict(Self.good, secrets: []) == .rejected(.invalidSignature))
    }

    // MARK: - Timestamps

    @Test func toleranceDefaultsTo300Seconds() {
        #expect(StripeSignatureVerifier(secrets: [Self.secret]).tolerance == 300)
        for (offset, expected) in [(-301, StripeSignatureVerdict.rejected(.timestampOutOfTolerance)),
                                   (-300, .verified), (-1, .verified), (0, .verified)] as [(Int64, StripeSignatureVerdict)] {
            let t = Self.now + offset
            #expect(Self.verdict("t=\(t),v1=\(Self.v1(t))") == expected, "offset \(offset)")
        }
    }

    @Test func futureTimestampIsAccepted() {
        for offset: Int64 in [1, 301, 86_400, 10_000_000] {
            let t = Self.now + offset
            #expect(Self.verdict("t=\(t),v1=\(Self.v1(t))") == .verified)
        }
    }

    @Test func zeroToleranceTurnsTheAgeCheckOff() {
        let t: Int64 = 1
        #expect(Self.verdict("t=\(t),v1=\(Self.v1(t))", tolerance: 0) == .verified)
        #expect(Self.verdict("t=\(t),v1=\(Self.v1(t))", tolerance: 300) == .rejected(.timestampOutOfTolerance))
        #expect(Self.verdict("t=-5,v1=\(Self.v1(-5))", tolerance: 0) == .verified)
    }

    @Test func signatureIsCheckedBeforeAge() {
        let t = Self.now - 1000
        #expect(Self.verdict("t=\(t),v1=\(Self.v1(Self.now))") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(t),v1=\(Self.v1(t))") == .rejected(.timestampOutOfTolerance))
    }

    @Test func timestampIsReadLikePythonInt() {
        // The SDK signs "%d" % int(t): the canonical decimal of the value, whatever was written.
        let sig = Self.v1(Self.now)
        for written in ["+1700000000", "0001700000000", "1_700_000_000", " 1700000000", "1700000000\t",
                        "\u{A0}1700000000\u{3000}", "١٧٠٠٠٠٠٠٠٠", "１７００００００００", "\u{1D7CF}700000000"] {
            #expect(Self.verdict("t=\(written),v1=\(sig)") == .verified, "\(written.debugDescription)")
        }
        for bad in ["1__700000000", "_1700000000", "1700000000_", "+_1700000000", "- 1700000000", "17 00000000",
                    "\u{1C}1700000000", "\u{200B}1700000000", "\u{FEFF}1700000000", "0x10", "1e9", "+", "-", "",
                    "\u{11F51}700000000", "\u{00B9}700000000", "1700000000\u{7F}"] {
            #expect(Self.verdict("t=\(bad),v1=\(sig)") == .rejected(.malformedSignatureHeader), "\(bad.debugDescription)")
        }
        #expect(Self.verdict("t=-0,v1=\(Self.v1(0))", tolerance: 0) == .verified)
    }

    @Test func hugeTimestamps() {
        let nines = String(repeating: "9", count: 4300)
        let tooMany = String(repeating: "0", count: 4291) + "1700000000"
        let signedHuge = StripeSignature.v1Raw(payload: Self.payload, secret: Self.secret, timestamp: nines)
        #expect(Self.verdict("t=\(nines),v1=\(signedHuge)") == .verified)   // far future
        #expect(Self.verdict("t=-\(nines),v1=\(StripeSignature.v1Raw(payload: Self.payload, secret: Self.secret, timestamp: "-" + nines))")
            == .rejected(.timestampOutOfTolerance))
        #expect(Self.verdict("t=\(nines)9,v1=\(signedHuge)") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t=\(tooMany),v1=\(Self.v1(Self.now))") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t=\(tooMany.dropFirst()),v1=\(Self.v1(Self.now))") == .verified)
        let big = "9223372036854775808"  // Int64.max + 1
        let sigBig = StripeSignature.v1Raw(payload: Self.payload, secret: Self.secret, timestamp: big)
        #expect(Self.verdict("t=\(big),v1=\(sigBig)") == .verified)
        // now - tolerance below Int64.min does not overflow.
        #expect(Self.verdict("t=\(Int64.min),v1=\(Self.v1(Int64.min))", tolerance: Int64.max, now: Int64.min) == .verified)
        #expect(Self.verdict("t=\(Int64.min),v1=\(Self.v1(Int64.min))", tolerance: Int64.min, now: Int64.max) == .rejected(.timestampOutOfTolerance))
    }

    @Test func currentUnixTimeRoundsUp() {
        let before = Int64(Date().timeIntervalSince1970)
        let now = StripeSignatureVerifier.currentUnixTime()
        #expect(now >= before && now <= before + 2)
    }

    // MARK: - Items

    @Test func itemsSplitOnCommaThenEquals() {
        let sig = Self.v1(Self.now)
        // The SDK reads the text between the first and the second "=".
        #expect(Self.verdict("t=\(Self.now),v1=\(sig)=junk") == .verified)
        #expect(Self.verdict("t=\(Self.now)=99,v1=\(sig)") == .verified)
        #expect(Self.verdict("t==\(Self.now),v1=\(sig)") == .rejected(.malformedSignatureHeader))
        // Keys are not trimmed.
        #expect(Self.verdict(" t=\(Self.now),v1=\(sig)") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t=\(Self.now), v1=\(sig)") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t =\(Self.now),v1=\(sig)") == .rejected(.malformedSignatureHeader))
        // Empty items are ignored; order does not matter.
        #expect(Self.verdict(",,t=\(Self.now),,v1=\(sig),") == .verified)
        #expect(Self.verdict("v1=\(sig),t=\(Self.now)") == .verified)
    }

    @Test func firstTimestampWins() {
        let sig = Self.v1(Self.now)
        #expect(Self.verdict("t=\(Self.now),t=abc,v1=\(sig)") == .verified)
        #expect(Self.verdict("t=abc,t=\(Self.now),v1=\(sig)") == .rejected(.malformedSignatureHeader))
        #expect(Self.verdict("t=1,t=\(Self.now),v1=\(sig)") == .rejected(.invalidSignature))
    }

    @Test func anyV1MatchingAnySecretPasses() {
        let wrong = String(repeating: "a", count: 64)
        #expect(Self.verdict("t=\(Self.now),v1=\(wrong),v1=\(Self.v1(Self.now))") == .verified)
        #expect(Self.verdict("t=\(Self.now),v1=\(Self.v1(Self.now)),v1=\(wrong)") == .verified)
        #expect(Self.verdict("t=\(Self.now),v0=\(wrong),v1=\(Self.v1(Self.now))") == .verified)
        let rotatedHeader = "t=\(Self.now),v1=\(Self.v1(Self.now, Self.rotated))"
        #expect(Self.verdict(rotatedHeader, secrets: [Self.secret, Self.rotated]) == .verified)
        #expect(Self.verdict(rotatedHeader, secrets: [Self.secret]) == .rejected(.invalidSignature))
        #expect(Self.verdict(Self.good, secrets: [Self.rotated, Self.secret]) == .verified)
    }

    @Test func blankSecretsAreNeverKeys() {
        #expect(StripeSignatureVerifier(secrets: ["", "  \t", Self.secret]).secretCount == 1)
        let emptyKeyed = "t=\(Self.now),v1=\(Self.v1(Self.now, ""))"
        #expect(Self.verdict(emptyKeyed, secrets: [""]) == .rejected(.invalidSignature))
    }

    @Test func nonASCIIV1StopsTheSearchLikeTheSDK() {
        let sig = Self.v1(Self.now)
        #expect(Self.verdict("t=\(Self.now),v1=é,v1=\(sig)") == .rejected(.invalidSignature))
        #expect(Self.verdict("t=\(Self.now),v1=\(sig),v1=é") == .verified)
        #expect(Self.verdict("t=\(Self.now),é=1,v1=\(sig)") == .verified)
        #expect(Self.verdict("t=\(Self.now),v1=\(sig)=é") == .verified)
        // Invalid UTF-8 in the timestamp is malformed; elsewhere it only fails to match.
        var bytes = Array("t=\(Self.now)".utf8) + [0xFF] + Array(",v1=\(sig)".utf8)
        let verifier = StripeSignatureVerifier(secrets: [Self.secret])
        #expect(verifier.verify(payload: Self.payload, header: bytes, now: Self.now) == .rejected(.malformedSignatureHeader))
        bytes = Array("t=\(Self.now),x=".utf8) + [0xFF] + Array(",v1=\(sig)".utf8)
        #expect(verifier.verify(payload: Self.payload, header: bytes, now: Self.now) == .verified)
    }

    @Test func concurrentUseIsSafe() async {
        let verifier = StripeSignatureVerifier(secrets: [Self.rotated, Self.secret])
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { _ in verifier.verify(payload: Self.payload, header: Self.good, now: Self.now) == .verified }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    // MARK: - Parity with the official SDK

    @Test func verdictsEqualTheOfficialSDK() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let check = try Self.python(["-c", "import stripe"])
        guard check.status == 0 else {
            Issue.record("""
                The Stripe SDK parity test needs the official SDK: run `python3 -m pip install stripe` \
                (or `make deps`). python3 said: \(check.stderr)
                """)
            return
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stripe-parity-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try Self.python([fixtures.appendingPathComponent("stripe_parity.py").path, output.path])
        try #require(run.status == 0, "stripe_parity.py failed: \(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let payload = Array(try #require(json["payload"] as? String).utf8)
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.count >= 300, "the corpus has several hundred headers")

        var mismatches: [String] = []
        var seen: [String: Int] = [:]
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let header = item["header"] as? String
            let secrets = item["secrets"] as? [String] ?? []
            let tolerance = Int64(item["tolerance"] as? Int ?? 300)
            let now = Int64((item["now"] as? Double ?? 0).rounded(.up))
            let expected = item["verdict"] as? String ?? "?"
            let verdict = StripeSignatureVerifier(secrets: secrets, tolerance: tolerance)
                .verify(payload: payload, header: header, now: now)
            let ours = verdict.errorCode ?? "verified"
            seen[expected, default: 0] += 1
            if ours != expected {
                mismatches.append("\(name): header \(String(describing: header).debugDescription.prefix(200)) SDK \(expected), ours \(ours)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ from \(json["sdk"] ?? "the SDK"):\n\(mismatches.prefix(30).joined(separator: "\n"))")
        // The corpus exercises every outcome.
        for code in ["verified", "malformed_signature_header", "invalid_signature", "timestamp_out_of_tolerance"] {
            #expect((seen[code] ?? 0) > 10, "corpus has \(code) cases")
        }
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    static func python(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }
}
