#if canImport(Glibc)
import Glibc
#endif
import CLZ4

/// Streams entities into a new snapshot file through liblz4's frame API: memory stays bounded by
/// one chunk, whatever the snapshot's size. Nothing is visible under the final name until `publish()`
/// (temporary file, fsync, rename, fsync of the directory).
public final class SnapshotWriter {
    public let sequence: UInt64
    public let finalPath: String
    public let temporaryPath: String
    private let directory: String
    private let io: any FileIO
    private var fd: Int32
    private var context: OpaquePointer?
    private var preferences = LZ4F_preferences_t()
    private var input: [UInt8] = []
    private var output: [UInt8]
    private let chunkBytes: Int
    private var entityCount: UInt64 = 0
    private var bytesWritten = 0
    private var uncompressedBytes = 0
    private var finished = false

    /// Starts `<directory>/<sequence>.snap` (as a temporary file until published).
    public init(directory: String, sequence: UInt64, io: any FileIO = SystemFileIO(), chunkBytes: Int = 1 << 20) throws {
        self.directory = directory
        self.sequence = sequence
        self.io = io
        self.chunkBytes = chunkBytes
        let name = SequenceFileName.name(sequence, suffix: SnapshotFormat.suffix)
        finalPath = directory + "/" + name
        temporaryPath = directory + "/." + SequenceFileName.name(sequence, suffix: SnapshotFormat.temporarySuffix)
        try FileSystem.createDirectory(directory)
        try? FileSystem.remove(temporaryPath)
        fd = try io.open(temporaryPath, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)

        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        preferences.compressionLevel = 0
        var ctx: OpaquePointer?
        let created = LZ4F_createCompressionContext(&ctx, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let ctx else {
            io.close(fd)
            throw StorageError.invalidArgument("LZ4F_createCompressionContext failed")
        }
        context = ctx
        output = [UInt8](repeating: 0, count: LZ4F_compressBound(chunkBytes, &preferences) + 64)
        input.reserveCapacity(chunkBytes + (64 << 10))
        do {
            // Placeholder header (the entity count is known only at the end); rewritten before publishing.
            try write(SnapshotFormat.Header(sequence: sequence, entityCount: 0, createdNanos: 0).encodedFrame())
            let headerSize = output.withUnsafeMutableBytes { LZ4F_compressBegin(ctx, $0.baseAddress, $0.count, &preferences) }
            try check(headerSize, "LZ4F_compressBegin")
            try writeOutput(headerSize)
        } catch {
            abandon()
            throw error
        }
    }

    deinit { abandon() }

    /// Appends one entity stamped with the journal sequence it reflects.
    public func append(kind: UInt16, sequence: UInt64, payload: UnsafeRawBufferPointer) throws {
        try append(kind: kind, sequence: sequence) { $0.append(contentsOf: payload) }
    }

    public func append(kind: UInt16, sequence: UInt64, payload: [UInt8]) throws {
        try payload.withUnsafeBytes { try append(kind: kind, sequence: sequence, payload: $0) }
    }

    /// Appends one entity whose payload `serialize` writes straight into the writer's buffer (no copy).
    public func append(kind: UInt16, sequence: UInt64, _ serialize: (inout [UInt8]) throws -> Void) throws {
        precondition(!finished, "append after publish")
        let start = input.count
        input.appendLittleEndian(UInt32(0))
        input.appendLittleEndian(kind)
        input.appendLittleEndian(UInt16(0))
        input.appendLittleEndian(sequence)
        try serialize(&input)
        let length = input.count - start - SnapshotFormat.entityHeaderSize
        guard length <= SnapshotFormat.maxEntityBytes else {
            input.removeSubrange(start...)
            throw StorageError.recordTooLarge(bytes: length, limit: SnapshotFormat.maxEntityBytes)
        }
        input.storeLittleEndian(UInt32(length), at: start)
        entityCount += 1
        if input.count >= chunkBytes { try compressInput() }
    }

    public struct Published: Sendable {
        public var path: String
        public var sequence: UInt64
        public var entityCount: UInt64
        public var bytes: Int
        public var uncompressedBytes: Int
    }

    /// Ends the frame, writes the final header, syncs, renames into place and syncs the directory.
    public func publish() throws -> Published {
        precondition(!finished, "publish twice")
        guard let context else { throw StorageError.invalidArgument("snapshot writer is closed") }
        try compressInput()
        let endSize = output.withUnsafeMutableBytes { LZ4F_compressEnd(context, $0.baseAddress, $0.count, nil) }
        try check(endSize, "LZ4F_compressEnd")
        try writeOutput(endSize)
        let header = SnapshotFormat.Header(sequence: sequence, entityCount: entityCount, createdNanos: FileSystem.nowNanoseconds())
        try header.encodedFrame().withUnsafeBytes { try io.pwriteAll(fd, $0, offset: 0, path: temporaryPath) }
        try io.fsync(fd, path: temporaryPath)
        io.close(fd)
        fd = -1
        try io.rename(temporaryPath, finalPath)
        try io.syncDirectory(directory)
        finished = true
        releaseContext()
        return Published(path: finalPath, sequence: sequence, entityCount: entityCount, bytes: bytesWritten,
                         uncompressedBytes: uncompressedBytes)
    }

    /// Drops an unpublished snapshot: closes and deletes the temporary file.
    public func abandon() {
        if fd >= 0 {
            io.close(fd)
            fd = -1
            if !finished { try? FileSystem.remove(temporaryPath) }
        }
        releaseContext()
    }

    private func releaseContext() {
        if let context {
            LZ4F_freeCompressionContext(context)
            self.context = nil
        }
    }

    private func compressInput() throws {
        guard !input.isEmpty, let context else { return }
        var offset = 0
        while offset < input.count {
            let length = min(chunkBytes, input.count - offset)
            let produced = input.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { target in
                    LZ4F_compressUpdate(context, target.baseAddress, target.count, source.baseAddress! + offset, length, nil)
                }
            }
            try check(produced, "LZ4F_compressUpdate")
            try writeOutput(produced)
            offset += length
        }
        uncompressedBytes += input.count
        input.removeAll(keepingCapacity: true)
    }

    private func writeOutput(_ count: Int) throws {
        guard count > 0 else { return }
        try output.withUnsafeBytes { try io.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<count]), path: temporaryPath) }
        bytesWritten += count
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try io.writeAll(fd, $0, path: temporaryPath) }
        bytesWritten += bytes.count
    }

    private func check(_ code: Int, _ call: String) throws {
        if LZ4F_isError(code) != 0 {
            throw StorageError.invalidArgument("\(call) failed: \(String(cString: LZ4F_getErrorName(code)))")
        }
    }
}
