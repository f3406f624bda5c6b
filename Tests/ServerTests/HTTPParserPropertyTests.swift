import Server
import TestSupport
import Testing

/// Properties over many inputs: the split of the byte stream never changes the outcome, and no input—valid,
/// mutated or random—crashes the parser or leaves it undecided once enough bytes have arrived.
@Suite struct HTTPParserPropertyTests {
    static let corpus: [String] = [
        "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /a?b=c%20d HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        "POST /api/webhooks/stripe HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n{\"id\":\"ev\"}\n"
            + "POST /api/webhooks/voice HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;x=\"y\"\r\nabcd\r\n0\r\nT: v\r\n\r\n"
            + "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nxyzGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\n\r\nPOST / HTTP/1.0\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nokGET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\nHost: h\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + String(repeating: "p", count: 17_000) + "\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n folded\r\n\r\n",
    ]

    static func randomPieces(total: Int, maxPiece: Int, using random: inout SplitMix64) -> [Int] {
        var pieces: [Int] = []
        var covered = 0
        while covered < total {
            let piece = Int.random(in: 1...maxPiece, using: &random)
            pieces.append(piece)
            covered += piece
        }
        return pieces
    }

    @Test(arguments: corpus.indices)
    func byteAtATimeEqualsOneShot(index: Int) {
        let wire = wireBytes(Self.corpus[index])
        let oneShot = parseActions(wire)
        #expect(!oneShot.isEmpty)
        #expect(parseActions(wire, pieces: Array(repeating: 1, count: wire.count)) == oneShot)
    }

    @Test func randomSplitsEqualOneShot() {
        let baseSeed: UInt64 = 0x5EED_0001
        for (index, text) in Self.corpus.enumerated() {
            let wire = wireBytes(text)
            let oneShot = parseActions(wire)
            for round in 0..<50 {
                let seed = baseSeed &+ UInt64(index * 1000 + round)
                var random = SplitMix64(seed: seed)
                let pieces = Self.randomPieces(total: wire.count, maxPiece: Int.random(in: 1...64, using: &random), using: &random)
                let split = parseActions(wire, pieces: pieces)
                #expect(split == oneShot, "corpus \(index), seed \(seed), pieces \(pieces)")
                if split != oneShot { return }
            }
        }
    }

    // MARK: Fuzz

    static let fuzzLimits = HTTPParserLimits(maxHeaderBytes: 256, maxHeaderCount: 8, maxBodyBytes: 512,
                                             maxChunkLineBytes: 64, maxChunkExtensionBytes: 128)

    static let fragments: [String] = [
        "GET", "POST", "HEAD", " ", " ", "/", "/api", "?q=1", "*", "http://h/", "HTTP/1.1", "HTTP/1.0", "HTTP/2",
        "\r\n", "\r\n", "\r\n", "\r\n\r\n", "\r", "\n", ":", ": ", "\t", "Host: h", "Connection: close",
        "Content-Length: ", "Transfer-Encoding: chunked", "Expect: 100-continue", "0", "5", "a", "F", "FFFFFFFFFFFFFFFFF",
        ";", "=", "\"", "\\", ",", "hello", "\u{0}", "\u{7f}", "\u{e9}",
    ]

    /// Either random fragments of HTTP or a valid request with a few bytes flipped, inserted or deleted.
    static func fuzzInput(using random: inout SplitMix64) -> [UInt8] {
        if Bool.random(using: &random) {
            var out: [UInt8] = []
            for _ in 0..<Int.random(in: 1...60, using: &random) {
                if Int.random(in: 0..<10, using: &random) == 0 {
                    out.append(UInt8.random(in: 0...255, using: &random))
                } else {
                    out += wireBytes(fragments.randomElement(using: &random)!)
                }
            }
            return out
        }
        var out = wireBytes(corpus[Int.random(in: 0..<(corpus.count - 1), using: &random)])
        for _ in 0..<Int.random(in: 1...4, using: &random) where !out.isEmpty {
            let at = Int.random(in: 0..<out.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: out[at] = UInt8.random(in: 0...255, using: &random)
            case 1: out.insert(UInt8.random(in: 0...255, using: &random), at: at)
            default: out.remove(at: at)
            }
        }
        return out
    }

    @Test func fuzzedInputNeverCrashesAndAlwaysEndsInARequestOrAnError() {
        let baseSeed: UInt64 = 0xF022_0000
        // Enough CRLF filler to finish any body, trailer or head the limits allow, then to overflow an empty head.
        let filler = Array(repeating: wireBytes("\r\n"), count: 1024).flatMap { $0 }
        for round in 0..<3000 {
            let seed = baseSeed &+ UInt64(round)
            var random = SplitMix64(seed: seed)
            let input = Self.fuzzInput(using: &random)

            let oneShot = parseActions(input, limits: Self.fuzzLimits)
            let pieces = Self.randomPieces(total: input.count, maxPiece: 16, using: &random)
            let split = parseActions(input, pieces: pieces, limits: Self.fuzzLimits)
            #expect(split == oneShot, "seed \(seed): split \(pieces) changed the outcome")

            for (position, action) in oneShot.enumerated() {
                if case .reject(let error) = action {
                    #expect(position == oneShot.count - 1, "seed \(seed): actions after a rejection")
                    #expect([400, 413, 431].contains(error.status), "seed \(seed)")
                }
            }

            var parser = HTTPRequestParser(limits: Self.fuzzLimits)
            let actions = feedParser(&parser, input + filler)
            #expect(parser.phase == .failed || parser.phase == .closed,
                    "seed \(seed): parser still \(parser.phase) after filler; actions \(actions)")
            if parser.phase == .failed {
                guard case .reject = actions.last else {
                    Issue.record("seed \(seed): failed without a rejection")
                    return
                }
            } else {
                guard case .handleRequest(let last) = actions.last else {
                    Issue.record("seed \(seed): closed without a request")
                    return
                }
                #expect(!last.keepAlive, "seed \(seed)")
            }
        }
    }

    @Test func uniformRandomBytesAreRejectedOrWaitedOn() {
        let baseSeed: UInt64 = 0xB17E_0000
        for round in 0..<500 {
            let seed = baseSeed &+ UInt64(round)
            var random = SplitMix64(seed: seed)
            let input = (0..<Int.random(in: 1...2048, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var parser = HTTPRequestParser(limits: Self.fuzzLimits)
            let actions = feedParser(&parser, input)
            #expect(parsedRequests(actions).isEmpty, "seed \(seed)")
            #expect(actions.count <= 1, "seed \(seed)")
            #expect(parser.phase != .body && parser.phase != .closed, "seed \(seed)")
        }
    }
}
