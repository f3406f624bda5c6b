#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Recovery time as a product figure: a data directory with `numbers` reserved numbers in a snapshot and a
/// journal tail of `tail` Stripe events after it, built over HTTP (fsync off while building: only the result
/// matters), then `numninja serve` started on it, timed from spawn to `/readyz` 200.
enum RecoveryFigure {
    static func run(options: HarnessOptions, numbers: Int, root: String) -> (String, Bool) {
        let data = root + "/recovery-data"
        try? FileManager.default.removeItem(atPath: data)
        let building = Credentials.environment.merging(["NUMNINJA_FSYNC": "never", "NUMNINJA_SNAPSHOT_EVERY": "1000000000"]) { $1 }
        guard let builder = start(options, data, building, root + "/serve-recovery-build.stderr") else {
            return ("recovery figure: the server did not start", false)
        }
        let started = monotonicNanos()
        let reserved = blast(port: builder.port, count: numbers) { index in
            RequestRenderer.reserve(NumberIdentity(index: index, prefix: "r"))
        }
        let reserveSeconds = Double(monotonicNanos() - started) / 1e9
        let snapshot = try? HTTPClientConnection.once(port: builder.port, HTTPClientConnection.request(
            "POST", "/admin/snapshot", headers: [Credentials.bearer]), timeoutSeconds: 900)
        let tailStarted = monotonicNanos()
        let tail = blast(port: builder.port, count: options.recoveryTail) { index in
            RequestRenderer.stripe("checkout.session.completed", number: NumberIdentity(index: index % max(1, numbers), prefix: "r"),
                                   eventID: "evt_tail_\(index)", created: ScriptBuilder.base + Int64(index), status: nil, periodEnd: nil)
        }
        let tailSeconds = Double(monotonicNanos() - tailStarted) / 1e9
        let stopped = builder.stop()
        guard reserved == numbers, tail == options.recoveryTail, snapshot?.status == 200, stopped == 0 else {
            return ("recovery figure: building failed (reserved \(reserved)/\(numbers), tail \(tail)/\(options.recoveryTail), "
                    + "snapshot \(snapshot?.status ?? 0), stop \(stopped))", false)
        }
        var timings: [Double] = []
        var summary = ""
        for attempt in 1...2 {
            let environment = Credentials.environment.merging(["NUMNINJA_FSYNC": "always"]) { $1 }
            guard let server = start(options, data, environment, root + "/serve-recovery-\(attempt).stderr"),
                  let millis = server.waitReady(seconds: 900) else { return ("recovery figure: the server did not get ready", false) }
            timings.append(millis)
            summary = server.waitForLine(containing: "\"records_replayed\"", seconds: 10) ?? ""
            _ = server.stop()
        }
        let text = "recovery of \(numbers) numbers (snapshot) + \(tail) journal records after it: spawn to /readyz 200 "
            + timings.map { "\(RunFigures.millis($0)) ms" }.joined(separator: ", ")
            + "; built in \(Int(reserveSeconds)) s (\(Int(Double(numbers) / max(reserveSeconds, 0.001))) reservations/s over HTTP) + "
            + "\(Int(tailSeconds)) s for the tail; snapshot \(snapshot.map { String(decoding: $0.body, as: UTF8.self) } ?? ""); recovery summary \(summary)"
        try? FileManager.default.removeItem(atPath: data)
        return (text, true)
    }

    static func start(_ options: HarnessOptions, _ data: String, _ environment: [String: String], _ stderr: String) -> ServeProcess? {
        guard let server = try? ServeProcess(binary: options.numninja, dataDirectory: data, environment: environment, stderrPath: stderr),
              server.waitListening(), server.waitReady(seconds: 900) != nil else { return nil }
        return server
    }

    /// Sends `count` requests on 16 connections; the number answered 2xx.
    static func blast(port: Int, count: Int, _ render: @escaping @Sendable (Int) -> [UInt8]) -> Int {
        let counter = Counter()
        let done = DispatchSemaphore(value: 0)
        let threads = 16
        for _ in 0..<threads {
            Thread.detachNewThread {
                defer { done.signal() }
                guard var connection = try? HTTPClientConnection(port: port, timeoutSeconds: 60) else { return }
                while let index = counter.next(below: count) {
                    for _ in 0..<3 {
                        if let answer = try? connection.exchange(render(index)), (200..<300).contains(answer.status) {
                            counter.succeeded()
                            break
                        }
                        guard let fresh = try? HTTPClientConnection(port: port, timeoutSeconds: 60) else { return }
                        connection = fresh
                    }
                }
            }
        }
        for _ in 0..<threads { done.wait() }
        return counter.ok
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var issued = 0
        private var answered = 0

        func next(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard issued < limit else { return nil }
            issued += 1
            return issued - 1
        }

        func succeeded() {
            lock.lock()
            answered += 1
            lock.unlock()
        }

        var ok: Int {
            lock.lock()
            defer { lock.unlock() }
            return answered
        }
    }
}
