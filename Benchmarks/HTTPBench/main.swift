#if canImport(Glibc)
import Glibc
#endif
import Foundation

// http-bench: webhook ingestion over HTTP against `numninja serve` (fsync always), with nginx answering
// `return 200` on loopback as the machine's HTTP ceiling, measured in the same run.
//   http-bench suite [--runs 3] [--seconds 5] [--connections 64] [--open-connections 256] [--numbers 100000] [--quick]
//   http-bench load --target 127.0.0.1:PORT --secret whsec_... [--mode closed|open --rate R] ...
// Every load loop is bounded by a deadline and by the size of its pre-built request pool.

struct Options {
    var runs = 3
    var seconds = 5.0
    var connections = 64
    /// The open loop's connections: enough that a request rarely waits for a free one (providers open
    /// connections as they need them), so the latency measured is the server's, not the client's pool's.
    var openLoopConnections = 256
    var threads = 2
    var numbers = 100_000
    var quick = false
    var keep = false
    /// `never` only to see what durability costs; the reported figures use `always`.
    var fsync = "always"
    /// `load` only: an open loop at this many requests/s instead of a closed loop.
    var rate: Double?

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--connections": connections = Int(iterator.next() ?? "") ?? connections
            case "--open-connections": openLoopConnections = Int(iterator.next() ?? "") ?? openLoopConnections
            case "--threads": threads = Int(iterator.next() ?? "") ?? threads
            case "--numbers": numbers = Int(iterator.next() ?? "") ?? numbers
            case "--quick": quick = true
            case "--keep": keep = true
            case "--fsync": fsync = iterator.next() ?? fsync
            case "--rate": rate = Double(iterator.next() ?? "")
            default:
                FileHandle.standardError.write(Data("http-bench: unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
        if quick { runs = 1; seconds = 1.5; numbers = 1000 }
    }
}

/// One measured load: its outcome and latency percentiles.
struct Measurement {
    var label: String
    var seconds: Double
    var completed: Int
    var status2xx: Int
    var errors: Int
    var firstError: String?
    var latencies: [Int64]
    var acknowledged: [Int] = []
    var poolTag = ""

    var throughput: Double { Double(completed) / seconds }

    func percentileMillis(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)
        return Double(latencies[max(0, index)]) / 1e6
    }

    var summary: String {
        let errorText = errors == 0 ? "0 errors" : "\(errors) errors (first: \(firstError ?? "?"))"
        return "\(label): \(Int(throughput)) req/s (\(completed) in \(String(format: "%.1f", seconds)) s), "
            + "p50 \(format(percentileMillis(0.5))) ms, p99 \(format(percentileMillis(0.99))) ms, "
            + "p99.9 \(format(percentileMillis(0.999))) ms, \(errorText)"
    }

    func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// Drives one load against host:port from `threads` threads sharing one pool.
func measure(label: String, host: String, port: Int, pool: RequestPool, options: Options, connections: Int,
             ratePerSecond: Double?) -> Measurement {
    let threads = options.threads
    let results = ResultSlots(count: threads)
    let start = LoadClient.now()
    let deadline = start + Int64(options.seconds * 1e9)
    DispatchQueue.concurrentPerform(iterations: threads) { index in
        let client = LoadClient(pool: pool, threadIndex: index, threadCount: threads)
        let mode: LoadClient.Mode = ratePerSecond.map { .open(ratePerThread: $0 / Double(threads)) } ?? .closed
        results.slots[index] = client.run(host: host, port: port, connections: max(1, connections / threads), mode: mode,
                                    start: start, deadline: deadline)
    }
    let elapsed = Double(LoadClient.now() - start) / 1e9
    var merged = Measurement(label: label, seconds: elapsed, completed: 0, status2xx: 0, errors: 0, firstError: nil, latencies: [])
    merged.poolTag = pool.tag
    for result in results.slots {
        merged.completed += result.completed
        merged.status2xx += result.status2xx
        merged.errors += result.errors
        merged.firstError = merged.firstError ?? result.firstError
        merged.latencies += result.latenciesNanos
        merged.acknowledged += result.acknowledged
    }
    merged.latencies.sort()
    return merged
}

/// Prints one line and flushes it, so progress shows also when standard output is a pipe.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "load", let port = arguments.dropFirst().first.flatMap({ Int($0) }) {
    // Load only, against a server started by hand (for profiling): `http-bench load PORT [options] [--rate R]`.
    let options = Options(arguments.dropFirst(2))
    let pool = RequestPool(count: Int(options.seconds * 60_000), numbers: options.numbers, secret: "whsec_http_bench_secret",
                           host: "127.0.0.1", tag: "l\(getpid())", seed: 1)
    report(measure(label: "load", host: "127.0.0.1", port: port, pool: pool, options: options, connections: options.connections,
                   ratePerSecond: options.rate).summary)
    exit(0)
}
guard arguments.first == "suite" else {
    report("usage: http-bench suite [--runs N] [--seconds S] [--connections C] [--open-connections C] [--threads T] [--numbers N] [--quick] [--keep]")
    exit(2)
}
let options = Options(arguments.dropFirst())
exit(Suite(options: options).run())

/// Per-thread result slots: each thread writes only its own index, read after all threads joined.
final class ResultSlots: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<LoadClient.Result>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: LoadClient.Result())
    }
    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }
}
