import CLZ4

/// Reads a snapshot file: checks the header, then streams the LZ4 frame (block and content checksums
/// verified by liblz4) and hands out entities. Any damage is `StorageError.corrupt` naming the file.
public final class SnapshotReader {
    public let path: String
    public let header: SnapshotFormat.Header
    public let fileBytes: Int
    private let mapped: MappedFile

    public init(path: String) throws {
        self.path = path
        mapped = try MappedFile(path: path)
        fileBytes = mapped.count
        switch SnapshotFormat.Header.decode(mapped.bytes) {
        case .success(let header): self.header = header
        case .failure(let error): throw StorageError.corrupt(file: path, offset: 0, reason: error.reason)
        }
    }

    public struct Summary: Sendable {
        public var entities: UInt64
        public var uncompressedBytes: Int
    }

    /// Decodes the whole body, calling `visit` for each entity in order, and checks that it ends exactly
    /// where the frame ends, with the header's entity count. A caller that builds state from the entities
    /// must discard it if this throws.
    @discardableResult
    public func readEntities(chunkBytes: Int = 4 << 20, _ visit: (SnapshotEntityView) throws -> Void) throws -> Summary {
        var dctx: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&dctx, UInt32(LZ4F_VERSION))) == 0, let dctx else {
            throw StorageError.invalidArgument("LZ4F_createDecompressionContext failed")
        }
        defer { LZ4F_freeDecompressionContext(dctx) }
        let source = mapped.bytes
        var sourceOffset = SnapshotFormat.headerFrameSize
        // `buffer[0..<filled]` holds decompressed bytes not yet parsed (at most one partial entity).
        var buffer = [UInt8](repeating: 0, count: 2 * chunkBytes)
        var filled = 0
        var entities: UInt64 = 0
        var total = 0
        var frameDone = false
        while !frameDone {
            if sourceOffset >= source.count {
                throw StorageError.corrupt(file: path, offset: sourceOffset, reason: "LZ4 frame ends before its end mark")
            }
            // Room for a whole block lets liblz4 decode straight into our buffer instead of copying through its own.
            if buffer.count - filled < chunkBytes { buffer.append(contentsOf: repeatElement(0, count: chunkBytes - (buffer.count - filled))) }
            var produced = buffer.count - filled
            var consumed = source.count - sourceOffset
            let hint = buffer.withUnsafeMutableBytes { target in
                LZ4F_decompress(dctx, target.baseAddress! + filled, &produced, source.baseAddress! + sourceOffset, &consumed, nil)
            }
            if LZ4F_isError(hint) != 0 {
                throw StorageError.corrupt(file: path, offset: sourceOffset, reason: "LZ4: \(String(cString: LZ4F_getErrorName(hint)))")
            }
            sourceOffset += consumed
            filled += produced
            total += produced
            frameDone = hint == 0
            // Parse every complete entity; keep the partial one for the next round.
            var parsed = 0
            try buffer.withUnsafeBytes { raw in
                while filled - parsed >= SnapshotFormat.entityHeaderSize {
                    let length = Int(raw.loadLittleEndian(at: parsed, as: UInt32.self))
                    guard length <= SnapshotFormat.maxEntityBytes else {
                        throw StorageError.corrupt(file: path, offset: sourceOffset, reason: "impossible entity length \(length)")
                    }
                    let end = parsed + SnapshotFormat.entityHeaderSize + length
                    if end > filled { break }
                    guard raw.loadLittleEndian(at: parsed + 6, as: UInt16.self) == 0 else {
                        throw StorageError.corrupt(file: path, offset: sourceOffset, reason: "unknown entity flags")
                    }
                    try visit(SnapshotEntityView(kind: raw.loadLittleEndian(at: parsed + 4),
                                                 sequence: raw.loadLittleEndian(at: parsed + 8),
                                                 payload: UnsafeRawBufferPointer(rebasing: raw[(parsed + SnapshotFormat.entityHeaderSize)..<end])))
                    entities += 1
                    parsed = end
                }
            }
            if parsed > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + parsed, byteCount: filled - parsed)
                }
                filled -= parsed
            }
            // Grow for an entity larger than the buffer (bounded by maxEntityBytes above).
            if filled >= SnapshotFormat.entityHeaderSize {
                let needed = SnapshotFormat.entityHeaderSize + Int(buffer.withUnsafeBytes { $0.loadLittleEndian(at: 0, as: UInt32.self) })
                if needed > buffer.count { buffer.append(contentsOf: repeatElement(0, count: needed - buffer.count)) }
            }
        }
        if filled != 0 {
            throw StorageError.corrupt(file: path, offset: sourceOffset, reason: "body ends inside an entity (\(filled) bytes left)")
        }
        if sourceOffset != source.count {
            throw StorageError.corrupt(file: path, offset: sourceOffset, reason: "\(source.count - sourceOffset) bytes after the LZ4 frame")
        }
        if entities != header.entityCount {
            throw StorageError.corrupt(file: path, offset: 0, reason: "header promises \(header.entityCount) entities, body holds \(entities)")
        }
        return Summary(entities: entities, uncompressedBytes: total)
    }
}
