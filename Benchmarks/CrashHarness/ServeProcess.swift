#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `numninja serve` as a child process: started on a free loopback port, its JSON start-up lines collected
/// from standard output, its standard error kept in a file for the checks that read it.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let stderrPath: String
    let spawnedAt: Int64
    private let lock = NSCondition()
    private var output = ""
    private var finishedReading = false
    private(set) var port = 0
    private(set) var publicURL = ""

    /// Starts the server and waits (bounded) for its `listening` line. Nil when it exited first.
    init(binary: String, dataDirectory: String, environment: [String: String], stderrPath: String) throws {
        self.stderrPath = stderrPath
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDirectory, "--listen", "127.0.0.1:0"]
        // The model covers provider events only: effects (which would journal outbox events, and buy and
        // release DIDs at the simulators) stay pending.
        process.environment = ProcessInfo.processInfo.environment.merging(["NUMNINJA_EFFECTS": "pause"]) { $1 }
            .merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        let pipe = Pipe()
        process.standardOutput = pipe
        spawnedAt = monotonicNanos()
        try process.run()
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = reader.availableData
                lock.lock()
                if chunk.isEmpty { finishedReading = true } else { output += String(decoding: chunk, as: UTF8.self) }
                lock.broadcast()
                lock.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    /// Waits for the `listening` line; false if the process ended or the deadline passed.
    func waitListening(seconds: Double = 60) -> Bool {
        guard let line = waitForLine(containing: "\"event\":\"listening\"", seconds: seconds),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let address = object["address"] as? String, let port = Int(address.split(separator: ":").last ?? "") else { return false }
        self.port = port
        publicURL = object["public_url"] as? String ?? "http://\(address)"
        return true
    }

    /// The first standard-output line containing `text`, waiting up to `seconds`.
    func waitForLine(containing text: String, seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let line = output.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            if finishedReading || Date() >= deadline { return nil }
            _ = lock.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
    }

    var standardOutput: String {
        lock.lock()
        defer { lock.unlock() }
        return output
    }

    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Polls `GET /readyz` until 200; the milliseconds from spawn, or nil (deadline, or the process ended).
    func waitReady(seconds: Double = 120) -> Double? {
        let deadline = monotonicNanos() + Int64(seconds * 1e9)
        let request = HTTPClientConnection.request("GET", "/readyz")
        while monotonicNanos() < deadline {
            if !process.isRunning { return nil }
            if let answer = try? HTTPClientConnection.once(port: port, request, timeoutSeconds: 5), answer.status == 200 {
                return Double(monotonicNanos() - spawnedAt) / 1e6
            }
            usleep(2_000)
        }
        return nil
    }

    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and the exit status.
    func stop() -> Int32 {
        Glibc.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits (bounded) for the process to end on its own; its status, or nil if it is still running.
    func waitExit(seconds: Double) -> Int32? {
        let deadline = monotonicNanos() + Int64(seconds * 1e9)
        while process.isRunning && monotonicNanos() < deadline { usleep(5_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A command's exit status and standard output.
struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a command to completion (bounded by the tools themselves: journal verify and dump read files).
func runCommand(_ binary: String, _ arguments: [String]) -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    guard (try? process.run()) != nil else { return CommandResult(status: -1, output: "", error: "cannot run \(binary)") }
    let errorData = ErrorCollector(err.fileHandleForReading)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self), error: errorData.text())
}

/// Reads a pipe on its own thread so that a chatty standard error cannot block the child.
final class ErrorCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func text() -> String {
        _ = done.wait(timeout: .now() + 30)
        return String(decoding: data, as: UTF8.self)
    }
}
