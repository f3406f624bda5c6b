import Foundation
import Server
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Stream responses of `HTTPServer`: framing, heartbeats, the bounded buffer, and every way a stream ends.
@Suite struct HTTPStreamingTests {
    /// Streams the handler opened, in order, with what each learned when it closed.
    final class Streams: Sendable {
        private let opened = Mutex<[HTTPResponseStream]>([])
        private let reasons = Mutex<[HTTPResponseStream.CloseReason]>([])
        let maxBufferedBytes: Int
        let heartbeat: [UInt8]
        let heartbeatInterval: Duration

        init(maxBufferedBytes: Int = 64 * 1024, heartbeat: [UInt8] = [], heartbeatInterval: Duration = .seconds(15)) {
            self.maxBufferedBytes = maxBufferedBytes
            self.heartbeat = heartbeat
            self.heartbeatInterval = heartbeatInterval
        }

        func make() -> HTTPResponseStream {
            let stream = HTTPResponseStream(maxBufferedBytes: maxBufferedBytes, heartbeat: heartbeat,
                                            heartbeatInterval: heartbeatInterval)
            stream.onClose { reason in self.reasons.withLock { $0.append(reason) } }
            opened.withLock { $0.append(stream) }
            return stream
        }

        var all: [HTTPResponseStream] { opened.withLock { $0 } }
        var closeReasons: [HTTPResponseStream.CloseReason] { reasons.withLock { $0 } }

        func first() async throws -> HTTPResponseStream {
            #expect(await eventually { !self.all.isEmpty })
            return try #require(all.first)
        }
    }

    static func server(_ streams: Streams, _ adjust: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        try HTTPServer(configuration: testConfiguration(adjust)) { request in
            guard request.path == "/stream" else { return HTTPResponse(status: 200, body: Array("plain".utf8)) }
            return .streaming(headers: [HTTPField(name: "Content-Type", value: "text/event-stream")], stream: streams.make())
        }
    }

    @Test func chunksGoOutAsSentAndFinishEndsTheBodyAndTheConnection() async throws {
        let streams = Streams()
        let server = try Self.server(streams)
        let client = try RawClient(port: server.port)
        try client.send(get("/stream"))
        let head = try await onThread { try client.readResponse() }
        #expect(head.status == 200)
        #expect(head.headers["transfer-encoding"] == "chunked")
        #expect(head.headers["connection"] == "close")
        #expect(head.headers["content-type"] == "text/event-stream")
        #expect(head.headers["content-length"] == nil)
        let stream = try await streams.first()
        #expect(stream.send(Array("hello".utf8)))
        #expect(try await onThread { try client.read(until: "hello\r\n") } == "5\r\nhello\r\n")
        #expect(stream.send(Array("0123456789abcdef!".utf8)))
        #expect(try await onThread { try client.read(until: "!\r\n") } == "11\r\n0123456789abcdef!\r\n")
        stream.finish()
        #expect(try await onThread { try client.readUntilEndOfFile() } == "0\r\n\r\n")
        #expect(await eventually { streams.closeReasons == [.finished] })
        #expect(!stream.send([1]))
        client.close()
        await server.shutdown()
    }

    @Test func anHTTP10ClientGetsTheBytesUnframed() async throws {
        let streams = Streams()
        let server = try Self.server(streams)
        let client = try RawClient(port: server.port)
        try client.send("GET /stream HTTP/1.0\r\nHost: test\r\n\r\n")
        let head = try await onThread { try client.readResponse() }
        #expect(head.headers["transfer-encoding"] == nil)
        let stream = try await streams.first()
        stream.send(Array("data: one\n\n".utf8))
        stream.finish()
        #expect(try await onThread { try client.readUntilEndOfFile() } == "data: one\n\n")
        client.close()
        await server.shutdown()
    }

    @Test func bytesSentBeforeTheHeadIsOutAreKept() async throws {
        let server = try HTTPServer(configuration: testConfiguration()) { _ in
            let stream = HTTPResponseStream()
            stream.send(Array("early".utf8))
            return .streaming(headers: [], stream: stream)
        }
        let client = try RawClient(port: server.port)
        try client.send(get("/stream"))
        _ = try await onThread { try client.readResponse() }
        #expect(try await onThread { try client.read(until: "early\r\n") } == "5\r\nearly\r\n")
        client.close()
        await server.shutdown()
    }

    @Test func theProducerLearnsWhenTheClientGoesAway() async throws {
        let streams = Streams()
        let server = try Self.server(streams)
        let client = try RawClient(port: server.port)
        try client.send(get("/stream"))
        _ = try await onThread { try client.readResponse() }
        let stream = try await streams.first()
        client.close()
        #expect(await eventually { streams.closeReasons == [.clientGone] })
        #expect(stream.closeReason == .clientGone)
        #expect(!stream.send(Array("late".utf8)))
        #expect(await eventually { server.openConnectionCount == 0 })
        await server.shutdown()
    }

    /// Waits (briefly) while a stream holds more than half its limit, as a producer that is not in a hurry would.
    static func pace(_ stream: HTTPResponseStream) async {
        guard stream.bufferedBytes > stream.maxBufferedBytes / 2 else { return }
        _ = await eventually(timeout: .milliseconds(300)) {
            stream.bufferedBytes < stream.maxBufferedBytes / 4 || stream.closeReason != nil
        }
    }

    @Test func aClientThatNeverReadsIsDroppedWhileAReadingOneIsNot() async throws {
        let streams = Streams(maxBufferedBytes: 256 * 1024)
        let server = try Self.server(streams) { $0.eventLoopCount = 1 }
        let slow = try RawClient(port: server.port)
        var small: Int32 = 4096
        setsockopt(slow.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        try slow.send(get("/stream"))
        #expect(await eventually { streams.all.count == 1 })
        let reader = try RawClient(port: server.port, receiveTimeout: 20)
        try reader.send(get("/stream"))
        #expect(await eventually { streams.all.count == 2 })
        let (slowStream, readerStream) = (streams.all[0], streams.all[1])
        let received = Task {
            try await onThread { () -> Int in
                defer { reader.close() }
                return try reader.readUntilEndOfFile().utf8.count
            }
        }
        // The same paced producer for both: the slow client fills its socket buffers, then its stream's.
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 16 * 1024)
        var sent = 0
        let deadline = ContinuousClock.now + .seconds(20)
        while slowStream.closeReason == nil, sent < 2000, ContinuousClock.now < deadline {
            slowStream.send(chunk)
            #expect(readerStream.send(chunk))
            sent += 1
            await Self.pace(readerStream)
            await Self.pace(slowStream)
        }
        #expect(slowStream.closeReason == .tooSlow, "still open after \(sent) chunks")
        #expect(readerStream.closeReason == nil)
        // The same loop still answers other clients at once.
        let other = try RawClient(port: server.port)
        try other.send(get("/plain"))
        #expect(try await onThread { try other.readResponse() }.body == "plain")
        readerStream.finish()
        // Everything sent to the reading client arrived (head, chunk framing, the end).
        #expect(try await received.value > sent * chunk.count)
        #expect(streams.closeReasons == [.tooSlow, .finished])
        other.close()
        await server.shutdown()
    }

    @Test func heartbeatsGoOutWhileNothingElseDoes() async throws {
        let streams = Streams(heartbeat: Array(": ping\n\n".utf8), heartbeatInterval: .milliseconds(50))
        let server = try Self.server(streams)
        let client = try RawClient(port: server.port)
        try client.send(get("/stream"))
        _ = try await onThread { try client.readResponse() }
        let pings = try await onThread { () -> String in
            var text = ""
            for _ in 0..<3 { text += try client.read(until: ": ping\n\n\r\n") }
            return text
        }
        #expect(pings == String(repeating: "8\r\n: ping\n\n\r\n", count: 3))
        client.close()
        await server.shutdown()
    }

    @Test func shutdownEndsOpenStreamsCleanlyAndPromptly() async throws {
        let streams = Streams()
        let server = try Self.server(streams) { $0.shutdownGracePeriod = .seconds(30) }
        let clients = try (0..<3).map { _ in try RawClient(port: server.port) }
        for client in clients { try client.send(get("/stream")) }
        for client in clients { _ = try await onThread { try client.readResponse() } }
        #expect(await eventually { streams.all.count == 3 })
        let started = ContinuousClock.now
        // The clients read the end and close, as EventSource or curl do.
        let readers = clients.map { client in
            Task {
                try await onThread { () -> String in
                    defer { client.close() }
                    return try client.readUntilEndOfFile()
                }
            }
        }
        await server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))
        for reader in readers { #expect(try await reader.value == "0\r\n\r\n") }
        #expect(streams.closeReasons == [.serverShutdown, .serverShutdown, .serverShutdown])
    }

    @Test func shutdownDoesNotWaitForAStreamWhoseClientIgnoresTheEnd() async throws {
        let streams = Streams()
        let server = try Self.server(streams) {
            $0.shutdownGracePeriod = .milliseconds(300)
            $0.drainTimeout = .seconds(30)
        }
        let client = try RawClient(port: server.port)
        try client.send(get("/stream"))
        _ = try await onThread { try client.readResponse() }
        _ = try await streams.first()
        let started = ContinuousClock.now
        await server.shutdown()  // the client never closes: the grace period bounds the wait
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(streams.closeReasons == [.serverShutdown])
    }

    @Test func aRequestPipelinedBeforeAStreamIsAnsweredFirst() async throws {
        let streams = Streams()
        let server = try Self.server(streams)
        let client = try RawClient(port: server.port)
        try client.send(get("/plain") + get("/stream") + get("/plain"))
        let first = try await onThread { try client.readResponse() }
        #expect(first.body == "plain")
        #expect(first.headers["connection"] == nil)
        let second = try await onThread { try client.readResponse() }
        #expect(second.headers["transfer-encoding"] == "chunked")
        let stream = try await streams.first()
        stream.send(Array("e".utf8))
        stream.finish()
        // The request after the stream is never answered: the connection ends with the stream.
        #expect(try await onThread { try client.readUntilEndOfFile() } == "1\r\ne\r\n0\r\n\r\n")
        client.close()
        await server.shutdown()
    }

    @Test func aStreamForAConnectionThatLeftWhileHandledIsClosedAtOnce() async throws {
        let gate = Flag()
        let streams = Streams()
        let server = try HTTPServer(configuration: testConfiguration()) { _ in
            _ = await eventually(timeout: .seconds(10)) { gate.isSet }
            return .streaming(headers: [], stream: streams.make())
        }
        let client = try RawClient(port: server.port)
        try client.send(get("/stream"))
        client.close()
        gate.set()
        #expect(await eventually { streams.closeReasons == [.clientGone] })
        await server.shutdown()
    }
}
