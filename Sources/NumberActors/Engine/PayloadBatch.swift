/// Payloads read from a file (snapshot entities, journal records) gathered into one buffer, so that a batch
/// costs one allocation instead of one per payload, and decoders on other threads read them in place.
struct PayloadBatch: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Where each payload ends in `bytes` (it starts where the one before ends).
    private(set) var ends: [Int] = []

    init(expectedCount: Int = 0, expectedBytes: Int = 0) {
        bytes.reserveCapacity(expectedBytes)
        ends.reserveCapacity(expectedCount)
    }

    var count: Int { ends.count }
    var isEmpty: Bool { ends.isEmpty }

    mutating func append(_ payload: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: payload)
        ends.append(bytes.count)
    }

    /// Runs `body` over payload `index`, in place.
    func withPayload<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = index == 0 ? 0 : ends[index - 1]
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[index]])) }
    }
}
