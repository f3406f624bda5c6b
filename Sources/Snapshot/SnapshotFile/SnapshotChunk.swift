/// A run of snapshot entities, framed and then compressed into LZ4 blocks away from the writer: encoders on
/// every core each fill a chunk and `seal()` it, and `SnapshotWriter.append(_:)` takes the chunks in order,
/// so compression is no longer one thread's work. The writer keeps its own chunk for single entities.
public struct SnapshotChunk: Sendable {
    /// The framed entities (`payload length u32 · kind u16 · flags u16 · sequence u64 · payload`).
    public private(set) var content: [UInt8] = []
    public private(set) var entityCount: UInt64 = 0
    /// The content as LZ4 frame blocks, once sealed.
    private(set) var blocks: [UInt8] = []
    public private(set) var isSealed = false

    public init(capacity: Int = 0) {
        content.reserveCapacity(capacity)
    }

    public var isEmpty: Bool { content.isEmpty }

    /// Appends one entity stamped with the journal sequence it reflects.
    public mutating func append(kind: UInt16, sequence: UInt64, payload: UnsafeRawBufferPointer) throws {
        try append(kind: kind, sequence: sequence) { $0.append(contentsOf: payload) }
    }

    public mutating func append(kind: UInt16, sequence: UInt64, payload: [UInt8]) throws {
        try payload.withUnsafeBytes { try append(kind: kind, sequence: sequence, payload: $0) }
    }

    /// Appends one entity whose payload `serialize` writes straight into the chunk (no copy).
    public mutating func append(kind: UInt16, sequence: UInt64, _ serialize: (inout [UInt8]) throws -> Void) throws {
        precondition(!isSealed, "append to a sealed snapshot chunk")
        let start = content.count
        content.appendLittleEndian(UInt32(0))
        content.appendLittleEndian(kind)
        content.appendLittleEndian(UInt16(0))
        content.appendLittleEndian(sequence)
        do {
            try serialize(&content)
        } catch {
            content.removeSubrange(start...)
            throw error
        }
        let length = content.count - start - SnapshotFormat.entityHeaderSize
        guard length <= SnapshotFormat.maxEntityBytes else {
            content.removeSubrange(start...)
            throw StorageError.recordTooLarge(bytes: length, limit: SnapshotFormat.maxEntityBytes)
        }
        content.storeLittleEndian(UInt32(length), at: start)
        entityCount += 1
    }

    /// Compresses the content into LZ4 blocks with their checksums (call it on the thread that filled the
    /// chunk; the writer seals a chunk that is not sealed yet). Nothing can be appended afterwards.
    public mutating func seal() {
        guard !isSealed else { return }
        blocks.reserveCapacity(LZ4FrameEncoding.bound(content.count))
        content.withUnsafeBytes { LZ4FrameEncoding.appendBlocks(of: $0, to: &blocks) }
        isSealed = true
    }
}
