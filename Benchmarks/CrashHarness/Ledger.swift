import Foundation

/// Every number's delivery script and how far it got: what was acknowledged (the model's input), and the one
/// delivery per number that may be in doubt (sent, no 2xx seen). Numbers are delivered one request at a time,
/// so at most one delivery per number is ever in doubt; providers retry until a 2xx, and so does the harness
/// after a restart, which resolves it.
final class Ledger: @unchecked Sendable {
    let numbers: [NumberIdentity]
    let scripts: [[Delivery]]
    private let lock = NSLock()
    private(set) var cursor: [Int]
    private(set) var inDoubt: [Bool]
    private(set) var acked: [Set<Atom>]
    private(set) var touched: [Bool]
    var maxVersion: [Int]
    private var ready: [Int] = []
    private var readyHead = 0
    private var inFlight = 0
    /// False while only in-doubt deliveries are retried: an acknowledged number is then not queued again.
    private var followOn = true

    private(set) var sent = 0
    private(set) var acknowledged = 0
    private(set) var unavailable = 0
    private(set) var connectionFailures = 0
    private(set) var landedWithoutAck = 0
    private(set) var rejected: [String] = []

    init(count: Int, prefix: String, seed: UInt64) {
        numbers = (0..<count).map { NumberIdentity(index: $0, prefix: prefix) }
        scripts = numbers.map { ScriptBuilder.script(for: $0, seed: seed) }
        cursor = Array(repeating: 0, count: count)
        inDoubt = Array(repeating: false, count: count)
        acked = Array(repeating: [], count: count)
        touched = Array(repeating: false, count: count)
        maxVersion = Array(repeating: 0, count: count)
    }

    var totalDeliveries: Int { scripts.reduce(0) { $0 + $1.count } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Rebuilds the ready queue for a new load phase: numbers with a delivery in doubt first (their retry), then
    /// the rest in a seeded order.
    func requeue(random: inout SeededRandom, onlyInDoubt: Bool = false) {
        var doubtful: [Int] = []
        var rest: [Int] = []
        lock.lock()
        for index in numbers.indices where cursor[index] < scripts[index].count {
            if inDoubt[index] { doubtful.append(index) } else if !onlyInDoubt { rest.append(index) }
        }
        lock.unlock()
        random.shuffle(&rest)
        locked {
            ready = doubtful + rest
            readyHead = 0
            followOn = !onlyInDoubt
        }
    }

    /// The next number to deliver to and its delivery, marked sent and in doubt.
    func take() -> (Int, Delivery, Bool)? {
        locked {
            guard readyHead < ready.count else { return nil }
            let index = ready[readyHead]
            readyHead += 1
            let retry = inDoubt[index]
            inDoubt[index] = true
            touched[index] = true
            sent += 1
            inFlight += 1
            return (index, scripts[index][cursor[index]], retry)
        }
    }

    /// True when nothing is queued and nothing is in flight.
    var isIdle: Bool { locked { readyHead >= ready.count && inFlight == 0 } }

    var inDoubtCount: Int { locked { inDoubt.filter { $0 }.count } }

    /// A 2xx: the delivery's atoms join the acknowledged set and the number's next delivery is queued.
    func acknowledge(_ index: Int, landedBefore: Bool) {
        locked {
            acked[index].formUnion(scripts[index][cursor[index]].atoms)
            inDoubt[index] = false
            cursor[index] += 1
            acknowledged += 1
            inFlight -= 1
            if landedBefore { landedWithoutAck += 1 }
            if followOn && cursor[index] < scripts[index].count { ready.append(index) }
        }
    }

    /// No answer, or a 503: the delivery stays in doubt until a later phase retries it.
    func failed(_ index: Int, status: Int?) {
        locked {
            inFlight -= 1
            if status == nil { connectionFailures += 1 } else { unavailable += 1 }
        }
    }

    /// An answer that is neither 2xx nor 503: a harness or product bug; the delivery is skipped.
    func reject(_ index: Int, status: Int, body: String) {
        locked {
            rejected.append("\(numbers[index].id) \(scripts[index][cursor[index]].label): HTTP \(status) \(body.prefix(200))")
            inDoubt[index] = false
            cursor[index] += 1
            inFlight -= 1
        }
    }

    /// The atoms of the delivery in doubt for a number (empty when none).
    func maybeAtoms(_ index: Int) -> [Atom] {
        locked { inDoubt[index] ? scripts[index][cursor[index]].atoms : [] }
    }

    func ackedAtoms(_ index: Int) -> Set<Atom> { locked { acked[index] } }

    func delivered(_ index: Int) -> [String] {
        locked { scripts[index][0..<cursor[index]].map(\.label) }
    }
}
