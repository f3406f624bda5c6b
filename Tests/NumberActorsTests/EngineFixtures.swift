import Dispatch
import Foundation
@testable import NumberActors
import Snapshot
import Synchronization
import TestSupport
import Testing

/// Helpers for the engine tests: data directories, event builders, journal reading, live/recovered
/// state capture and comparison, seeded randomness, and FileIO fault injection.
enum EF {
    static let t0: UnixSeconds = 1_767_225_600 // 2026-01-01T00:00:00Z

    // MARK: Data directories and options

    static func tempData(_ tag: String = "engine") -> DataDirectory {
        DataDirectory(NSTemporaryDirectory() + "nn-\(tag)-\(UInt64.random(in: 0...UInt64.max))")
    }

    static func remove(_ data: DataDirectory) { try? FileManager.default.removeItem(atPath: data.path) }

    /// A byte-for-byte copy of a (quiescent) data directory, without its LOCK file.
    static func copy(_ data: DataDirectory, tag: String = "copy") throws -> DataDirectory {
        let target = tempData(tag)
        try FileManager.default.copyItem(atPath: data.path, toPath: target.path)
        try? FileManager.default.removeItem(atPath: target.lockPath)
        return target
    }

    static func options(io: (any FileIO)? = nil, parkedCapacity: Int? = nil, segmentBytes: Int? = nil) -> EngineOptions {
        var options = EngineOptions()
        options.snapshotEvery = 0
        if let io { options.journal.io = io }
        if let parkedCapacity { options.limits.parkedCapacity = parkedCapacity }
        if let segmentBytes { options.journal.segmentBytes = segmentBytes }
        return options
    }

    // MARK: Event builders (what the Server's adapters would hand the engine)

    static func e164(_ k: Int) -> String { "+1415555\(String(format: "%04d", k))" }

    static func reserve(_ number: String, customer: String, e164: String, id: String? = nil) -> IncomingEvent {
        IncomingEvent(channel: "api", numberID: number, keys: [RouteKey(.customer, customer), RouteKey(.e164, e164)],
                      source: EventSource(eventID: id ?? "api_reserve_\(number)", time: t0),
                      payload: .reserved(Reservation(e164: e164, customer: customer, skuID: "sku_1", availableDIDID: "adid_1",
                                                     forward: Forwarding(email: "owner@example.com"))))
    }

    static func checkout(_ id: String, number: String, subscription: String, customer: String? = nil, intent: String? = nil,
                         created: UnixSeconds = t0) -> IncomingEvent {
        var keys = [RouteKey(.subscription, subscription)]
        if let customer { keys.append(RouteKey(.customer, customer)) }
        if let intent { keys.append(RouteKey(.paymentIntent, intent)) }
        return IncomingEvent(channel: "stripe", numberID: number, keys: keys,
                             source: EventSource(eventID: id, objectID: "cs_\(id)", created: created, time: created),
                             payload: .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, paymentIntentID: intent)))
    }

    /// An invoice that names no number: routable only through its subscription (or charge).
    static func invoicePaid(_ id: String, subscription: String, charge: String? = nil, periodEnd: UnixSeconds,
                            created: UnixSeconds = t0) -> IncomingEvent {
        var keys = [RouteKey(.subscription, subscription)]
        if let charge { keys.append(RouteKey(.charge, charge)) }
        return IncomingEvent(channel: "stripe", keys: keys,
                             source: EventSource(eventID: id, objectID: "in_\(id)", created: created, time: created),
                             payload: .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, periodEnd: periodEnd, chargeID: charge)))
    }

    static func subscriptionStatus(_ id: String, subscription: String, status: String, created: UnixSeconds) -> IncomingEvent {
        IncomingEvent(channel: "stripe", keys: [RouteKey(.subscription, subscription)],
                      source: EventSource(eventID: id, objectID: subscription, created: created, time: created),
                      payload: .subscriptionStatus(status: status, subscriptionID: subscription))
    }

    static func paymentFailed(_ id: String, subscription: String, created: UnixSeconds) -> IncomingEvent {
        IncomingEvent(channel: "stripe", keys: [RouteKey(.subscription, subscription)],
                      source: EventSource(eventID: id, created: created, time: created),
                      payload: .paymentFailed(subscriptionID: subscription))
    }

    static func dispute(_ id: String, charge: String, disputeID: String, created: UnixSeconds) -> IncomingEvent {
        IncomingEvent(channel: "stripe", keys: [RouteKey(.charge, charge)],
                      source: EventSource(eventID: id, objectID: disputeID, created: created, time: created),
                      payload: .disputeOpened(disputeID: disputeID, status: "needs_response"))
    }

    /// Customer-only event (e.g. `customer.subscription.trial_will_end` without a subscription we know).
    static func customerOnly(_ id: String, customer: String) -> IncomingEvent {
        IncomingEvent(channel: "stripe", keys: [RouteKey(.customer, customer)],
                      source: EventSource(eventID: id, created: t0, time: t0), payload: .trialWillEnd(trialEnd: t0 + 86_400))
    }

    static func sms(_ id: String, number: String? = nil, to e164: String? = nil, time: UnixSeconds = t0 + 60) -> IncomingEvent {
        IncomingEvent(channel: "sms", numberID: number, keys: e164.map { [RouteKey(.e164, $0)] } ?? [],
                      source: EventSource(eventID: id, time: time),
                      payload: .smsReceived(InboundSMS(from: "+15550001", to: e164 ?? "", text: "hello \(id)")))
    }

    static func cdr(_ id: String, number: String? = nil, to e164: String? = nil, seconds: Int64 = 30,
                    time: UnixSeconds = t0 + 120) -> IncomingEvent {
        IncomingEvent(channel: "cdr", numberID: number, keys: e164.map { [RouteKey(.e164, $0)] } ?? [],
                      source: EventSource(eventID: id, time: time),
                      payload: .callRecorded(CallRecord(durationSeconds: seconds, success: true, from: "+15550002")))
    }

    static func provisioningStarted(_ number: String, order: String) -> IncomingEvent {
        IncomingEvent(channel: "effect", numberID: number, keys: [RouteKey(.didwwOrder, order)],
                      source: EventSource(eventID: "prov_\(number)", time: t0 + 30), payload: .provisioningStarted(orderID: order))
    }

    static func orderCompleted(_ id: String, order: String, did: String) -> IncomingEvent {
        IncomingEvent(channel: "didww", keys: [RouteKey(.didwwOrder, order)],
                      source: EventSource(eventID: "\(id):completed", objectID: order, time: t0 + 40),
                      payload: .orderCompleted(orderID: order, didID: did))
    }

    // MARK: Journal

    struct Journaled: Sendable {
        var sequence: UInt64
        var time: Int64
        var record: EngineRecord
    }

    /// Every record of the data directory's journal, decoded.
    static func journal(_ data: DataDirectory) throws -> [Journaled] {
        var records: [Journaled] = []
        let walk = try JournalDirectory.read(data.journalPath) { view in
            records.append(Journaled(sequence: view.sequence, time: view.time,
                                     record: try EngineRecord.decode(kind: view.kind, Array(view.payload))))
        }
        #expect(walk.problem == nil, "journal problem: \(String(describing: walk.problem))")
        return records
    }

    /// Event records carrying this dedupe key.
    static func count(_ event: IncomingEvent, in records: [Journaled]) -> Int {
        records.filter { if case .event(let r) = $0.record { return r.dedupe == event.dedupeKey } else { return false } }.count
    }

    // MARK: State capture and comparison

    /// The live engine's whole state as an EngineState (numbers from their actors, the rest from the live section).
    static func liveState(_ engine: NumberEngine) async -> EngineState {
        let (router, parked, dedupe, global) = engine.live.withLock { live in
            (live.router, live.parked, live.dedupe, live.lastEnqueued)
        }
        var state = EngineState()
        state.router = router
        state.parked = parked
        state.dedupe = dedupe
        state.globalSequence = global
        for actor in engine.actors {
            let entry = await actor.current()
            state.numbers[entry.state.id] = entry
        }
        return state
    }

    /// Human-readable differences between two engine states (empty when identical in every compared part).
    static func differences(_ a: EngineState, _ b: EngineState, _ la: String, _ lb: String) -> [String] {
        var out: [String] = []
        let ids = Set(a.numbers.keys).union(b.numbers.keys).sorted()
        for id in ids {
            guard let x = a.numbers[id] else { out.append("\(id) missing in \(la)"); continue }
            guard let y = b.numbers[id] else { out.append("\(id) missing in \(lb)"); continue }
            if x == y { continue }
            var parts: [String] = []
            if x.state.version != y.state.version { parts.append("version \(x.state.version) vs \(y.state.version)") }
            if x.state.appliedSequence != y.state.appliedSequence { parts.append("appliedSequence \(x.state.appliedSequence) vs \(y.state.appliedSequence)") }
            if x.state.facts != y.state.facts { parts.append("facts") }
            if x.state.outbox != y.state.outbox { parts.append("outbox") }
            if x.state.history != y.state.history { parts.append("history") }
            if x.keys != y.keys { parts.append("keys \(x.keys) vs \(y.keys)") }
            out.append("\(id) differs (\(la) vs \(lb)): \(parts.isEmpty ? "other fields" : parts.joined(separator: ", "))")
        }
        if a.router.single != b.router.single {
            let diff = Set(a.router.single.map { "\($0.key)->\($0.value)" }).symmetricDifference(b.router.single.map { "\($0.key)->\($0.value)" })
            out.append("router.single differs: \(diff.sorted().prefix(10))")
        }
        if a.router.customers != b.router.customers {
            let keys = Set(a.router.customers.keys).union(b.router.customers.keys).filter { a.router.customers[$0] != b.router.customers[$0] }
            out.append("router.customers differs: " + keys.sorted().prefix(10).map {
                "\($0): \(la)=\(a.router.customers[$0].map { "\($0)" } ?? "none") \(lb)=\(b.router.customers[$0].map { "\($0)" } ?? "none")"
            }.joined(separator: "; "))
        }
        let da = Array(a.dedupe.orderedEntries), db = Array(b.dedupe.orderedEntries)
        if da != db {
            let first = (0..<min(da.count, db.count)).first { da[$0] != db[$0] } ?? min(da.count, db.count)
            out.append("dedupe window differs: \(da.count) vs \(db.count) entries, first difference at \(first)")
        }
        if a.dedupe.evictedEarly != b.dedupe.evictedEarly { out.append("dedupe evictedEarly differs") }
        if a.parked.all != b.parked.all {
            out.append("parked differs: \(la)=\(a.parked.all.map(\.id)) \(lb)=\(b.parked.all.map(\.id))")
        }
        return out
    }

    // MARK: Waiting

    /// Polls `condition` (yielding between polls) until it holds or the deadline passes.
    static func waitUntil(seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            await Task.yield()
        }
        return await condition()
    }
}

/// Seedable; failures print the seed.
typealias EngineRNG = SplitMix64

extension SplitMix64 {
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// The real file I/O, with `fdatasync` failing with EIO once `syncsBeforeFailure` syncs have succeeded.
final class FailingSyncIO: FileIO {
    private let base = SystemFileIO()
    private let syncs = Mutex(0)
    let syncsBeforeFailure: Int

    init(syncsBeforeFailure: Int) { self.syncsBeforeFailure = syncsBeforeFailure }

    var syncCalls: Int { syncs.withLock { $0 } }

    func open(_ path: String, flags: Int32, mode: mode_t) throws -> Int32 { try base.open(path, flags: flags, mode: mode) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int { try base.write(fd, bytes, path: path) }
    func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws -> Int {
        try base.pwrite(fd, bytes, offset: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws {
        let call = syncs.withLock { count -> Int in
            count += 1
            return count
        }
        if call > syncsBeforeFailure { throw IOError(operation: "fdatasync", path: path, errno: EIO) }
        try base.fdatasync(fd, path: path)
    }
    func fsync(_ fd: Int32, path: String) throws { try base.fsync(fd, path: path) }
    func ftruncate(_ fd: Int32, length: Int64, path: String) throws { try base.ftruncate(fd, length: length, path: path) }
    func rename(_ from: String, _ to: String) throws { try base.rename(from, to) }
    func close(_ fd: Int32) { base.close(fd) }
}

/// The real file I/O, whose `fdatasync` blocks while the gate is closed (so a test can observe what
/// callers see before their records are durable).
final class GatedSyncIO: FileIO {
    private let base = SystemFileIO()
    private let state = Mutex((closed: false, blocked: 0))
    private let gate = DispatchSemaphore(value: 0)

    func hold() { state.withLock { $0.closed = true } }

    /// Syncs currently held at the gate.
    var blocked: Int { state.withLock { $0.blocked } }

    func release() {
        let waiting = state.withLock { s -> Int in
            s.closed = false
            return s.blocked
        }
        for _ in 0..<waiting { gate.signal() }
    }

    func open(_ path: String, flags: Int32, mode: mode_t) throws -> Int32 { try base.open(path, flags: flags, mode: mode) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int { try base.write(fd, bytes, path: path) }
    func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws -> Int {
        try base.pwrite(fd, bytes, offset: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws {
        let hold = state.withLock { s -> Bool in
            if s.closed { s.blocked += 1 }
            return s.closed
        }
        if hold {
            _ = gate.wait(timeout: .now() + 30) // a safety net only: the test opens the gate
            state.withLock { $0.blocked -= 1 }
        }
        try base.fdatasync(fd, path: path)
    }
    func fsync(_ fd: Int32, path: String) throws { try base.fsync(fd, path: path) }
    func ftruncate(_ fd: Int32, length: Int64, path: String) throws { try base.ftruncate(fd, length: length, path: path) }
    func rename(_ from: String, _ to: String) throws { try base.rename(from, to) }
    func close(_ fd: Int32) { base.close(fd) }
}

/// A lock-protected value that task closures can capture (a local `Mutex` cannot be captured by them).
final class EngineBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) throws -> R) rethrows -> R { try mutex.withLock { try body(&$0) } }
}
