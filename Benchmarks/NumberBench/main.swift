// Domain benchmarks: the pure transition function applied to decoded events (no I/O), resident memory per
// number, and the domain codec (journal events, snapshot states). Run with `make bench` (release build).
// Every loop is bounded in count; figures are medians of runs. `--quick` runs one small round (a smoke test).
// Profiling knobs: `--only memory|apply|codec`, `--runs N`, `--numbers N` (memory case), `--apply-numbers N`,
// `--no-copy` (skip the copy-on-write comparison).
import Dispatch
import NumberActors

let quick = CommandLine.arguments.contains("--quick")
func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
/// `--only memory|apply|codec` runs one group (for profiling).
let only = option("--only")
func enabled(_ group: String) -> Bool { only == nil || only == group }
let runs = option("--runs").flatMap { Int($0) } ?? (quick ? 1 : 5)
let applyNumbers = option("--apply-numbers").flatMap { Int($0) } ?? (quick ? 5_000 : 100_000)
let eventsPerNumber = 12
let memoryNumbers = option("--numbers").flatMap { Int($0) } ?? (quick ? 20_000 : 1_000_000)
let codecStates = quick ? 20_000 : 200_000

line("number-bench (\(runs) run(s), medians)\(quick ? " --quick: smoke run, not figures" : "")")

// MARK: Resident memory per number (first, on a clean heap)

var typical: [NumberState] = []
if enabled("memory") || enabled("codec") {
    trimHeap()
    let before = residentBytes()
    var rng = SeededGenerator(seed: 7)
    typical.reserveCapacity(memoryNumbers)
    let started = now()
    for i in 0..<memoryNumbers { typical.append(typicalNumber(index: i, rng: &rng)) }
    let built = now() - started
    trimHeap()
    let after = residentBytes()
    let perNumber = Double(after - before) / Double(memoryNumbers)
    let events = typical.reduce(0) { $0 + $1.history.events.count }
    let traffic = typical.reduce(0) { $0 + $1.history.calls.count + $1.history.sms.count + $1.history.voicemails.count }
    let outbox = typical.reduce(0) { $0 + $1.outbox.count }
    let n = Double(memoryNumbers)
    line("memory: \(format(n)) numbers (\(format(Double(events) / n, 1)) event + \(format(Double(traffic) / n, 1)) traffic history entries, \(format(Double(outbox) / n, 1)) outbox entries each; inline NumberState \(MemoryLayout<NumberState>.stride) B): \(format(perNumber)) bytes/number RSS (target <= 2048) \(verdict(perNumber <= 2048)); built in \(format(built, 1)) s")
}

// MARK: Apply-only throughput

if enabled("apply") || enabled("codec") {
    let started = now()
    let workload = makeApplyWorkload(numbers: applyNumbers, eventsPerNumber: eventsPerNumber)
    let count = workload.events.count
    let mix = workload.kinds.sorted { $0.value > $1.value }.prefix(8)
        .map { "\($0.key) \(format(Double($0.value) * 100 / Double(count), 1))%" }.joined(separator: ", ")
    line("apply workload: \(format(Double(count))) events over \(format(Double(applyNumbers))) numbers (built in \(format(now() - started, 1)) s): \(mix); \(format(Double(workload.effects))) effects emitted, \(format(Double(workload.settled))) settled by effect_completed 2,000 events later")

    // The state is moved out of the array into `transition` and the result stored back, so the function owns
    // the only reference and mutates the number's buffers in place. Returned effects are counted and dropped
    // (the outbox in the state is what workers read; their completions are in the stream).
    var rates: [Double] = []
    var checksum = 0
    if enabled("apply") {
    var outboxMax = 0
    for _ in 0..<runs {
        var states = workload.freshStates()
        let placeholder = NumberState(id: "")
        var effects = 0
        let t0 = now()
        workload.events.withUnsafeBufferPointer { events in
            for i in 0..<count {
                let target = Int(workload.targets[i])
                var state = placeholder
                swap(&state, &states[target])
                let position = JournalPosition(sequence: UInt64(i + 1), recordTime: events[i].source.time)
                let (next, emitted) = NumberLifecycle.transition(consume state, events[i], at: position)
                states[target] = next
                effects &+= emitted.count
            }
        }
        rates.append(Double(count) / (now() - t0))
        checksum = effects
        outboxMax = states.reduce(0) { max($0, $1.outbox.count) }
        precondition(effects == workload.effects, "apply is deterministic")
    }
    let rate = median(rates)
    line("apply (state moved in, effects counted): \(format(rate)) events/s (target >= 1,000,000) \(verdict(rate >= 1_000_000)); \(format(Double(checksum))) effects, largest outbox at the end \(outboxMax)")

    // Numbers are independent: the same stream split by number over two threads (each applies its numbers'
    // events in stream order, as per-number actors would). The split lists are made before the clock starts,
    // like routing is done before the transition.
    let threads = 2
    var split = [[Int32]](repeating: [], count: threads)
    for i in 0..<count { split[Int(workload.targets[i]) % threads].append(Int32(i)) }
    let parts = split
    var parallelRates: [Double] = []
    for _ in 0..<runs {
        var states = workload.freshStates()
        let effectsPerPart = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        effectsPerPart.initialize(repeating: 0)
        defer { effectsPerPart.deallocate() }
        let t0 = now()
        states.withUnsafeMutableBufferPointer { all in
            workload.events.withUnsafeBufferPointer { events in
                nonisolated(unsafe) let (all, events, totals) = (all, events, effectsPerPart)
                DispatchQueue.concurrentPerform(iterations: threads) { part in
                    let placeholder = NumberState(id: "")
                    var effects = 0
                    for i32 in parts[part] {
                        let i = Int(i32)
                        let target = Int(workload.targets[i])
                        var state = placeholder
                        swap(&state, &all[target])
                        let position = JournalPosition(sequence: UInt64(i + 1), recordTime: events[i].source.time)
                        let (next, emitted) = NumberLifecycle.transition(consume state, events[i], at: position)
                        all[target] = next
                        effects &+= emitted.count
                    }
                    totals[part] = effects
                }
            }
        }
        parallelRates.append(Double(count) / (now() - t0))
        precondition(effectsPerPart.reduce(0, +) == workload.effects, "apply over two threads is deterministic")
    }
    let parallelRate = median(parallelRates)
    line("apply over \(threads) threads (numbers split between them): \(format(parallelRate)) events/s (target >= 1,000,000) \(verdict(parallelRate >= 1_000_000))")

    // The same loop where the caller keeps its copy (`transition(states[i], ...)`): the function must copy
    // every buffer it mutates.
    var copyRates: [Double] = []
    let copyPrefix = min(count, 300_000)
    // One run only (it is the slow path, shown for comparison, without a target).
    for _ in 0..<(CommandLine.arguments.contains("--no-copy") ? 0 : 1) {
        var states = workload.freshStates()
        let prefix = copyPrefix
        let t0 = now()
        for i in 0..<prefix {
            let target = Int(workload.targets[i])
            states[target] = NumberLifecycle.transition(states[target], workload.events[i], at: workload.position(i)).0
        }
        copyRates.append(Double(prefix) / (now() - t0))
    }
    line("apply (caller keeps a copy of the state): \(format(median(copyRates))) events/s (1 run over the first \(format(Double(copyPrefix))) events, no target; shows the copy-on-write cost)")
    }

    // MARK: Codec: events
    if enabled("codec") {
    let sample = workload.events.prefix(quick ? 50_000 : 300_000)
    let encoded = sample.map { DomainCodec.encode($0) }
    let bytes = encoded.reduce(0) { $0 + $1.count }
    precondition(try! DomainCodec.decodeEvent(encoded[sample.count / 2]) == workload.events[sample.count / 2])
    var encodeRates: [Double] = []
    var decodeRates: [Double] = []
    for _ in 0..<runs {
        var total = 0
        let t0 = now()
        for event in sample { total &+= DomainCodec.encode(event).count }
        encodeRates.append(Double(sample.count) / (now() - t0))
        precondition(total == bytes)
        let t1 = now()
        var ids = 0
        for b in encoded { ids &+= (try! DomainCodec.decodeEvent(b)).source.eventID.utf8.count }
        decodeRates.append(Double(sample.count) / (now() - t1))
        precondition(ids > 0)
    }
    line("event encode (\(format(Double(sample.count))) events of the apply stream): \(format(median(encodeRates))) events/s, \(format(Double(bytes) / Double(sample.count), 1)) bytes/event")
    line("event decode: \(format(median(decodeRates))) events/s")
    }
}

// MARK: Codec: number states

/// Encode is timed as a snapshot writer uses it (each payload handed on, then dropped); decode as recovery
/// does (from payloads in memory, each state built and then dropped).
func stateCodec(_ label: String, _ states: ArraySlice<NumberState>) {
    let encoded = states.map { DomainCodec.encode($0) }
    let bytes = encoded.reduce(0) { $0 + $1.count }
    let middle = states.startIndex + states.count / 2
    precondition(try! DomainCodec.decodeState(encoded[states.count / 2]) == states[middle], "state round trip")
    var encodeRates: [Double] = []
    var decodeRates: [Double] = []
    for _ in 0..<runs {
        var total = 0
        let t0 = now()
        for state in states { total &+= DomainCodec.encode(state).count }
        encodeRates.append(Double(states.count) / (now() - t0))
        precondition(total == bytes)
        let t1 = now()
        var versions: UInt64 = 0
        for b in encoded { versions &+= (try! DomainCodec.decodeState(b)).version }
        decodeRates.append(Double(states.count) / (now() - t1))
        precondition(versions > 0)
    }
    let encodeRate = median(encodeRates), decodeRate = median(decodeRates)
    line("state encode (\(label)): \(format(encodeRate)) states/s, \(format(Double(bytes) / Double(states.count), 1)) bytes/state; 1,000,000 states in \(format(1e6 / encodeRate, 2)) s (snapshot target <= 3 s) \(verdict(1e6 / encodeRate <= 3))")
    line("state decode (\(label)): \(format(decodeRate)) states/s; 1,000,000 states in \(format(1e6 / decodeRate, 2)) s (recovery target <= 3 s) \(verdict(1e6 / decodeRate <= 3))")
}

if enabled("codec") { stateCodec("typical life, \(format(Double(min(codecStates, typical.count)))) states", typical.prefix(codecStates)) }
