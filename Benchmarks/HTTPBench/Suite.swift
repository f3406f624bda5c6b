#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The whole benchmark: nginx and numninja started side by side on loopback, closed-loop maximum for both
/// (interleaved runs, medians), then open-loop latency at 25/50/75 % of numninja's maximum, then the check
/// that every 2xx is a journaled event.
struct Suite {
    let options: Options
    let secret = "whsec_http_bench_secret"

    func run() -> Int32 {
        let scratch = NSTemporaryDirectory() + "nn-http-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if !options.keep { try? FileManager.default.removeItem(atPath: scratch) } }
        guard let nginx = Nginx.start(directory: scratch + "/nginx") else { return 1 }
        defer { nginx.stop() }
        guard let server = NumNinjaServer.start(dataDirectory: scratch + "/state", secret: secret, fsync: options.fsync) else { return 1 }
        var serverStopped = false
        defer { if !serverStopped { server.forceKill() } }
        report("http-bench: \(options.runs) run(s) of \(options.seconds) s, \(options.connections) keep-alive connections "
              + "(open loop: \(options.openLoopConnections)), "
              + "\(options.threads) client threads, \(options.numbers) numbers; nginx on :\(nginx.port), numninja on :\(server.port) (NUMNINJA_FSYNC=\(options.fsync))")

        // Pools sized for the longest run at a generous rate; events never repeat across runs.
        let poolSize = options.quick ? 20_000 : Int(options.seconds * 60_000)
        var tag = 0
        func pool() -> RequestPool {
            tag += 1
            return RequestPool(count: poolSize, numbers: options.numbers, secret: secret, host: "127.0.0.1", tag: "r\(tag)", seed: UInt64(tag))
        }
        var acknowledged: [String] = []  // event ids answered 2xx by numninja
        var errors = 0
        func record(_ measurement: Measurement) {
            acknowledged += measurement.acknowledged.map { "evt_\(measurement.poolTag)_\($0)" }
        }
        // Warm-up (not reported).
        let warm = pool()
        _ = measure(label: "warm-up nginx", host: "127.0.0.1", port: nginx.port, pool: warm, options: shortened(), connections: options.connections, ratePerSecond: nil)
        let warmServer = measure(label: "warm-up numninja", host: "127.0.0.1", port: server.port, pool: pool(), options: shortened(),
                                 connections: options.connections, ratePerSecond: nil)
        record(warmServer)
        report("mean request size \(warm.meanBodyBytes) bytes (headers + body)")

        var nginxRates: [Double] = []
        var serverRates: [Double] = []
        for run in 1...options.runs {
            let reference = measure(label: "run \(run) nginx return 200", host: "127.0.0.1", port: nginx.port, pool: pool(), options: options,
                                    connections: options.connections, ratePerSecond: nil)
            report(reference.summary)
            nginxRates.append(reference.throughput)
            let measured = measure(label: "run \(run) numninja stripe webhook", host: "127.0.0.1", port: server.port, pool: pool(), options: options,
                                   connections: options.connections, ratePerSecond: nil)
            report(measured.summary)
            serverRates.append(measured.throughput)
            record(measured)
            errors += measured.errors
        }
        let nginxMax = median(nginxRates)
        let serverMax = median(serverRates)
        report(String(format: "max (closed loop, medians): numninja %.0f events/s, nginx %.0f req/s, ratio %.2f (target >= 0.6)",
                     serverMax, nginxMax, serverMax / nginxMax))

        for fraction in [0.25, 0.5, 0.75] {
            var p50: [Double] = [], p99: [Double] = [], p999: [Double] = []
            for run in 1...options.runs {
                let rate = serverMax * fraction
                let measured = measure(label: "run \(run) open loop \(Int(fraction * 100))% (\(Int(rate))/s)", host: "127.0.0.1", port: server.port,
                                       pool: pool(), options: options, connections: options.openLoopConnections, ratePerSecond: rate)
                report(measured.summary)
                record(measured)
                errors += measured.errors
                p50.append(measured.percentileMillis(0.5))
                p99.append(measured.percentileMillis(0.99))
                p999.append(measured.percentileMillis(0.999))
            }
            report(String(format: "open loop at %d%% of max (medians): p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%@", Int(fraction * 100),
                         median(p50), median(p99), median(p999), fraction == 0.5 ? " (target p99 < 10 ms)" : ""))
        }

        // Every 2xx must be a journaled event: stop the server and read its journal back.
        serverStopped = true
        guard server.stop() == 0, let journaled = NumNinjaServer.journaledEventIDs(dataDirectory: scratch + "/state") else {
            report("FAILED: the server did not stop cleanly or its journal cannot be read")
            return 1
        }
        let missing = acknowledged.filter { !journaled.contains($0) }
        report("durability: \(acknowledged.count) events acknowledged with 2xx, \(journaled.count) events in the journal "
              + "(requests cut off at a deadline may be journaled without their answer); acknowledged but missing: \(missing.count)"
              + (missing.isEmpty ? "" : " (first: \(missing[0]))") + "; errors \(errors)")
        return missing.isEmpty && errors == 0 ? 0 : 1
    }

    func shortened() -> Options {
        var copy = options
        copy.seconds = min(2, options.seconds)
        return copy
    }
}
