// Helpers for number-bench: a seeded generator, id text, clocks, medians and resident memory.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// SplitMix64, so every run builds the same workload.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// True with probability `percent / 1000`.
    mutating func permille(_ p: Int) -> Bool { below(1000) < p }
}

private let hexDigits = Array("0123456789abcdef".utf8)
private let alphaDigits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

/// Provider-style ids, with the lengths real ones have (so they are heap strings, as in production).
extension SeededGenerator {
    /// `8-4-4-4-12` lowercase hex (DIDWW ids, CDR ids, SMS uuids): 36 bytes.
    mutating func uuid() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        var a = next(), b = next()
        for i in 0..<32 {
            if i == 8 || i == 12 || i == 16 || i == 20 { bytes.append(UInt8(ascii: "-")) }
            if i == 16 { a = b }
            bytes.append(hexDigits[Int(a & 15)])
            a >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `prefix` followed by `length` base-62 characters (Stripe style: `evt_`, `sub_`, `pi_`, `cus_` ...).
    mutating func token(_ prefix: String, _ length: Int) -> String {
        var bytes = Array(prefix.utf8)
        var r = next()
        for i in 0..<length {
            if i % 10 == 9 { r = next() }
            bytes.append(alphaDigits[Int(r % 62)])
            r /= 62
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A North American number in E.164.
    mutating func e164() -> String { "+1" + String(2_000_000_000 + below(7_000_000_000)) }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

/// Resident set size in bytes, from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Hands freed heap back to the kernel so an RSS difference measures what is still live.
func trimHeap() { _ = glibcMallocTrim(0) }

@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32

func format(_ value: Double, _ digits: Int = 0) -> String {
    let text = String(format: "%.\(digits)f", value)
    guard digits == 0, abs(value) >= 10_000 else { return text }
    // Thousands separators for large counts.
    var out: [Character] = []
    for (i, c) in text.reversed().enumerated() {
        if i > 0, i % 3 == 0, c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

func verdict(_ ok: Bool) -> String { ok ? "ok" : "MISSED" }

func line(_ text: String) {
    print(text)
    fflush(nil)
}
