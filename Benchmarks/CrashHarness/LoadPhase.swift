#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Concurrent delivery against one server process: `threads` keep-alive connections, each sending one
/// request at a time from the ledger's ready queue, until stopped, out of work, or past its deadline.
final class LoadPhase: @unchecked Sendable {
    let ledger: Ledger
    let port: Int
    let publicURL: String
    let ackLog: AckLog
    private let stopFlag = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private let threads: Int
    private let deadline: Int64

    init(ledger: Ledger, port: Int, publicURL: String, ackLog: AckLog, threads: Int, seconds: Double) {
        self.ledger = ledger
        self.port = port
        self.publicURL = publicURL
        self.ackLog = ackLog
        self.threads = threads
        deadline = monotonicNanos() + Int64(seconds * 1e9)
    }

    func start() {
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in
                work()
                finished.signal()
            }
        }
    }

    var isStopping: Bool {
        stopFlag.lock()
        defer { stopFlag.unlock() }
        return stopping
    }

    func stop() {
        stopFlag.lock()
        stopping = true
        stopFlag.unlock()
    }

    /// Waits for every worker (each ends within its socket timeout once stopped); false if one did not.
    func join(seconds: Double = 60) -> Bool {
        for _ in 0..<threads where finished.wait(timeout: .now() + seconds) == .timedOut { return false }
        return true
    }

    private func work() {
        var connection: HTTPClientConnection?
        while !isStopping && monotonicNanos() < deadline {
            guard let (index, delivery, retry) = ledger.take() else {
                if ledger.isIdle { return }
                usleep(1_000)
                continue
            }
            let request = RequestRenderer.render(delivery, number: ledger.numbers[index], publicURL: publicURL)
            let answer: HTTPAnswer
            do {
                if connection == nil { connection = try HTTPClientConnection(port: port, timeoutSeconds: 20) }
                answer = try connection!.exchange(request)
            } catch {
                // A killed server: this delivery stays in doubt and the thread ends, so no further delivery is
                // marked in doubt without having been sent.
                ledger.failed(index, status: nil)
                return
            }
            if (200..<300).contains(answer.status) {
                ackLog.append("\(ledger.numbers[index].id) \(delivery.label) \(answer.status)")
                var reserveRepeat = false
                if case .reserve = delivery.kind { reserveRepeat = answer.status == 200 }
                ledger.acknowledge(index, landedBefore: retry && (reserveRepeat || Self.saysDuplicate(answer.text)))
            } else if answer.status == 503 {
                ledger.failed(index, status: 503)
            } else {
                ledger.reject(index, status: answer.status, body: answer.text)
            }
        }
    }

    /// The answer says the event was already journaled (a whole or partial earlier delivery landed).
    static func saysDuplicate(_ body: String) -> Bool {
        let compact = body.filter { $0 != " " }
        if compact.contains("\"duplicate\":true") { return true }
        guard let range = compact.range(of: "\"duplicates\":") else { return false }
        return (Int(compact[range.upperBound...].prefix { $0.isNumber }) ?? 0) > 0
    }
}
