import Foundation
import Server
import TestSupport
import Testing

@Suite struct HTTPGzipBodyTests {
    static let cap = 8_388_608

    static func cdrBatch(records: Int) -> [UInt8] {
        wireBytes((0..<records).map { "{\"id\":\"cdr_\($0)\",\"did\":\"+14155550100\",\"duration\":\($0 % 600)}\n" }.joined())
    }

    static func gzipTool(_ input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-c", "-n"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // Write on another thread so a full pipe in either direction cannot deadlock.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(output)
    }

    static func request(body: [UInt8], encoding: String?) -> HTTPRequest {
        var fields = [("Host", "h"), ("Content-Length", String(body.count))]
        if let encoding { fields.append(("Content-Encoding", encoding)) }
        let head = HTTPRequestHead(requestLine: HTTPRequestLine(method: "POST", target: "/api/webhooks/didww/cdr", version: .http1_1),
                                   headers: HTTPHeaders(fields), framing: .contentLength(body.count))
        return HTTPRequest(head: head, body: body)
    }

    @Test func zlibRoundTrip() throws {
        let batch = Self.cdrBatch(records: 1000)
        let compressed = GzipBody.compress(batch)
        #expect(compressed.count < batch.count / 4)
        #expect(Array(compressed.prefix(2)) == [0x1F, 0x8B])
        #expect(try GzipBody.decompress(compressed, maxDecompressedBytes: Self.cap) == batch)
    }

    @Test func gzipToolOutputIsDecoded() throws {
        let batch = Self.cdrBatch(records: 5000)
        let compressed = try Self.gzipTool(batch)
        #expect(try GzipBody.decompress(compressed, maxDecompressedBytes: Self.cap) == batch)
    }

    @Test func ourOutputIsReadableByTheGzipTool() throws {
        let batch = Self.cdrBatch(records: 100)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(GzipBody.compress(batch)))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(Array(output) == batch)
    }

    @Test func emptyContentRoundTrips() throws {
        #expect(try GzipBody.decompress(GzipBody.compress([]), maxDecompressedBytes: Self.cap) == [])
    }

    @Test func randomBinaryRoundTrips() throws {
        var random = SplitMix64(seed: 0x6A11)
        let data = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        #expect(try GzipBody.decompress(GzipBody.compress(data, level: 1), maxDecompressedBytes: Self.cap) == data)
    }

    @Test func concatenatedMembersAreJoinedLikeGunzip() throws {
        let joined = GzipBody.compress(wireBytes("first\n")) + GzipBody.compress(wireBytes("second\n"))
        #expect(try GzipBody.decompress(joined, maxDecompressedBytes: Self.cap) == wireBytes("first\nsecond\n"))
    }

    @Test func outputExactlyAtTheCapIsAcceptedAndOneMoreByteIsNot() throws {
        let data = [UInt8](repeating: 7, count: 100_000)
        let compressed = GzipBody.compress(data)
        #expect(try GzipBody.decompress(compressed, maxDecompressedBytes: 100_000) == data)
        let error = #expect(throws: HTTPParseError.self) { try GzipBody.decompress(compressed, maxDecompressedBytes: 99_999) }
        #expect(error?.status == 413)
        #expect(error?.code == "payload_too_large")
    }

    @Test func gzipBombStopsAtTheCap() throws {
        // 256 MiB of zeros compress to about 256 KiB: small enough to pass the 1 MiB body limit.
        let bomb = GzipBody.compress([UInt8](repeating: 0, count: 256 << 20), level: 9)
        #expect(bomb.count < HTTPParserLimits().maxBodyBytes)
        let error = #expect(throws: HTTPParseError.self) { try GzipBody.decompress(bomb, maxDecompressedBytes: Self.cap) }
        #expect(error?.status == 413)
        #expect(error?.code == "payload_too_large")
        #expect(error?.kind == .payloadTooLarge)
    }

    static let corruptions: [(String, @Sendable ([UInt8]) -> [UInt8])] = [
        ("empty body", { _ in [] }),
        ("plain text", { _ in wireBytes("{\"id\": 1}") }),
        ("truncated", { Array($0.prefix($0.count / 2)) }),
        ("missing trailer", { Array($0.dropLast(4)) }),
        ("flipped byte in the data", { var copy = $0; copy[copy.count / 2] ^= 0xFF; return copy }),
        ("wrong CRC", { var copy = $0; copy[copy.count - 6] ^= 0x01; return copy }),
        ("wrong length", { var copy = $0; copy[copy.count - 2] ^= 0x01; return copy }),
        ("bad magic", { var copy = $0; copy[0] = 0x1E; return copy }),
        ("trailing garbage", { $0 + wireBytes("garbage") }),
        ("zlib instead of gzip", { _ in [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01] }),
    ]

    @Test(arguments: corruptions)
    func corruptGzipIsInvalidPayload(_ description: String, _ corrupt: @Sendable ([UInt8]) -> [UInt8]) throws {
        let good = GzipBody.compress(Self.cdrBatch(records: 200))
        let error = #expect(throws: HTTPParseError.self, "\(description)") {
            try GzipBody.decompress(corrupt(good), maxDecompressedBytes: Self.cap)
        }
        #expect(error?.status == 400, "\(description)")
        #expect(error?.code == "invalid_payload", "\(description)")
    }

    @Test func decodedBodyFollowsContentEncoding() throws {
        let batch = Self.cdrBatch(records: 10)
        let gzipped = GzipBody.compress(batch)
        #expect(try GzipBody.decodedBody(of: Self.request(body: batch, encoding: nil), maxDecompressedBytes: Self.cap) == batch)
        #expect(try GzipBody.decodedBody(of: Self.request(body: batch, encoding: "identity"), maxDecompressedBytes: Self.cap) == batch)
        #expect(try GzipBody.decodedBody(of: Self.request(body: gzipped, encoding: "gzip"), maxDecompressedBytes: Self.cap) == batch)
        #expect(try GzipBody.decodedBody(of: Self.request(body: gzipped, encoding: "GZIP"), maxDecompressedBytes: Self.cap) == batch)
        #expect(try GzipBody.decodedBody(of: Self.request(body: gzipped, encoding: "x-gzip"), maxDecompressedBytes: Self.cap) == batch)
        for unsupported in ["br", "deflate", "gzip, gzip", "compress"] {
            let error = #expect(throws: HTTPParseError.self, "\(unsupported)") {
                try GzipBody.decodedBody(of: Self.request(body: gzipped, encoding: unsupported), maxDecompressedBytes: Self.cap)
            }
            #expect(error?.code == "invalid_payload")
            #expect(error?.requestLine?.target == "/api/webhooks/didww/cdr")
        }
    }

    @Test func gzipRequestThroughTheParser() throws {
        let batch = Self.cdrBatch(records: 1000)
        let gzipped = GzipBody.compress(batch)
        let wire = wireBytes("POST /api/webhooks/didww/cdr HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\nContent-Length: \(gzipped.count)\r\n\r\n") + gzipped
        let parsed = parsedRequests(parseActions(wire, pieces: [100, 1, 3000]))
        #expect(parsed.count == 1)
        let request = try #require(parsed.first)
        #expect(request.body == gzipped)
        #expect(try GzipBody.decodedBody(of: request, maxDecompressedBytes: Self.cap) == batch)
    }
}
