#if canImport(Glibc)
import Glibc
#endif

/// Streams entities into a new snapshot file as one LZ4 frame: memory stays bounded by one chunk, whatever
/// the snapshot's size. Entities come one by one (`append(kind:...)`, gathered and compressed here) or as
/// chunks that encoders compressed on other threads (`append(_:)`). Nothing is visible under the final name
/// until `publish()` (temporary file, fsync, rename, fsync of the directory).
public final class SnapshotWriter {
    public let sequence: UInt64
    public let finalPath: String
    public let temporaryPath: String
    private let directory: String
    private let io: any FileIO
    private var fd: Int32
    private var pending: SnapshotChunk
    private var contentChecksum = XXH32()
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
        pending = SnapshotChunk(capacity: chunkBytes + (64 << 10))
        do {
            // Placeholder header (the entity count is known only at the end); rewritten before publishing.
            try write(SnapshotFormat.Header(sequence: sequence, entityCount: 0, createdNanos: 0).encodedFrame())
            try write(LZ4FrameEncoding.frameHeader())
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
        try pending.append(kind: kind, sequence: sequence, serialize)
        if pending.content.count >= chunkBytes { try flushPending() }
    }

    /// Appends a chunk of entities after everything appended before it (sealing it here if its encoder did not).
    public func append(_ chunk: SnapshotChunk) throws {
        precondition(!finished, "append after publish")
        try flushPending()
        try writeChunk(chunk)
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
        guard fd >= 0 else { throw StorageError.invalidArgument("snapshot writer is closed") }
        try flushPending()
        try write(LZ4FrameEncoding.frameEnd(contentChecksum: contentChecksum.digest))
        let header = SnapshotFormat.Header(sequence: sequence, entityCount: entityCount, createdNanos: FileSystem.nowNanoseconds())
        try header.encodedFrame().withUnsafeBytes { try io.pwriteAll(fd, $0, offset: 0, path: temporaryPath) }
        try io.fsync(fd, path: temporaryPath)
        io.close(fd)
        fd = -1
        try io.rename(temporaryPath, finalPath)
        try io.syncDirectory(directory)
        finished = true
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
    }

    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        var chunk = SnapshotChunk(capacity: chunkBytes + (64 << 10))
        swap(&chunk, &pending)
        try writeChunk(chunk)
    }

    private func writeChunk(_ chunk: SnapshotChunk) throws {
        guard !chunk.isEmpty else { return }
        guard fd >= 0 else { throw StorageError.invalidArgument("snapshot writer is closed") }
        var chunk = chunk
        chunk.seal()
        chunk.content.withUnsafeBytes { contentChecksum.update($0) }
        try write(chunk.blocks)
        entityCount += chunk.entityCount
        uncompressedBytes += chunk.content.count
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try io.writeAll(fd, $0, path: temporaryPath) }
        bytesWritten += bytes.count
    }
}
