import Foundation
import Server
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Fixtures for the outbound clients and the provider simulators: a recording HTTP server, child processes
// (openssl, python3), and a throwaway certificate authority.

/// Runs a program to completion and returns its exit status and standard output.
func runProgram(_ path: String, _ arguments: [String], input: [UInt8] = []) async throws -> (status: Int32, output: String) {
    try await onThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// An HTTP server that records every request and answers 200 (what a webhook endpoint of ours would do).
final class RecordingServer: Sendable {
    let server: HTTPServer

    init() throws {
        let recorded = RecordedRequests()
        server = try HTTPServer(configuration: testConfiguration()) { request in
            recorded.append(request)
            return HTTPResponse.json(status: 200, "{\"received\": true}")
        }
        log = recorded
    }

    let log: RecordedRequests
    var url: String { "http://127.0.0.1:\(server.port)" }
    var received: [HTTPRequest] { log.all }
}

final class RecordedRequests: Sendable {
    private let requests = Mutex<[HTTPRequest]>([])
    func append(_ request: HTTPRequest) { requests.withLock { $0.append(request) } }
    var all: [HTTPRequest] { requests.withLock { $0 } }
}

/// A CA and a server certificate for `localhost` and 127.0.0.1, made with the openssl command line.
struct TestCertificates {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var certificateFile: String { directory + "/server.pem" }
    var keyFile: String { directory + "/server.key" }

    static func make(names: String = "DNS:localhost,IP:127.0.0.1") async throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "nn-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=NumNinja Test CA",
             "-keyout", directory + "/ca.key", "-out", certificates.caFile],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", certificates.keyFile,
             "-out", directory + "/server.csr"],
            ["x509", "-req", "-in", directory + "/server.csr", "-CA", certificates.caFile, "-CAkey", directory + "/ca.key",
             "-CAcreateserial", "-days", "2", "-out", certificates.certificateFile, "-extfile", directory + "/ext.cnf"],
        ]
        try "subjectAltName=\(names)\n".write(toFile: directory + "/ext.cnf", atomically: true, encoding: .utf8)
        for step in steps {
            let result = try await runProgram("/usr/bin/openssl", step)
            guard result.status == 0 else { throw ClientError("openssl \(step[0]) failed: \(result.output)") }
        }
        return certificates
    }
}

/// `openssl s_server -www` on a free port: answers any GET with a status page over TLS.
final class TLSTestServer: Sendable {
    let process: UnsafeProcess
    let port: Int
    let input: UnsafeProcess.Handle

    /// Retries on another port when s_server does not come up (the port was taken meanwhile, or a loaded
    /// machine was slow to start it).
    init(certificates: TestCertificates) async throws {
        for _ in 0..<3 {
            let port = Int.random(in: 20_000...60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificates.certificateFile,
                                 "-key", certificates.keyFile, "-www", "-quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            // s_server stops at end of its standard input: give it a pipe that stays open while it runs.
            let input = Pipe()
            process.standardInput = input
            try process.run()
            let ready = await eventually(timeout: .seconds(15)) {
                process.isRunning && (try? RawClient(port: port, receiveTimeout: 1)).map { $0.close(); return true } ?? false
            }
            if ready {
                self.input = UnsafeProcess.Handle(input)
                self.process = UnsafeProcess(process)
                self.port = port
                return
            }
            kill(process.processIdentifier, SIGKILL)
        }
        throw ClientError("openssl s_server did not start")
    }

    /// SIGKILL: s_server ignores SIGTERM. The child is reaped by Foundation's process monitor.
    func stop() {
        kill(process.value.processIdentifier, SIGKILL)
    }
}

struct UnsafeProcess: @unchecked Sendable {
    let value: Process
    init(_ value: Process) { self.value = value }

    struct Handle: @unchecked Sendable {
        let pipe: Pipe
        init(_ pipe: Pipe) { self.pipe = pipe }
    }
}
