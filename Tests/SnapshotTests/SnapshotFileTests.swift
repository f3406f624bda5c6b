import Foundation
import Snapshot
import TestSupport
import Testing

/// Snapshot files: the streaming LZ4 writer, the verifying reader, atomic publish, retention and fallback.
@Suite struct SnapshotFileTests {
    struct Entity: Equatable {
        var kind: UInt16
        var sequence: UInt64
        var payload: [UInt8]
    }

    static func makeDirectory() -> String {
        let path = NSTemporaryDirectory() + "nn-snapshot-\(UInt64.random(in: 0...UInt64.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func entities(count: Int, seed: UInt64) -> [Entity] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let size = index == 7 ? 5 << 20 : Int(rng.next() % 600)
            var payload = [UInt8](repeating: 0, count: size)
            for i in stride(from: 0, to: size, by: 7) { payload[i] = UInt8(truncatingIfNeeded: rng.next()) }
            return Entity(kind: UInt16(index % 5), sequence: UInt64(index) * 3, payload: payload)
        }
    }

    static func write(_ entities: [Entity], directory: String, sequence: UInt64, chunked: Bool = false) throws -> SnapshotWriter.Published {
        let writer = try SnapshotWriter(directory: directory, sequence: sequence, chunkBytes: 64 << 10)
        guard chunked else {
            for entity in entities { try writer.append(kind: entity.kind, sequence: entity.sequence, payload: entity.payload) }
            return try writer.publish()
        }
        // Groups of 37 entities: one in three appended singly, the others as chunks, sealed by their encoder
        // or (every other one) left for the writer to seal.
        for (group, start) in stride(from: 0, to: entities.count, by: 37).enumerated() {
            let members = entities[start..<min(entities.count, start + 37)]
            if group % 3 == 2 {
                for entity in members { try writer.append(kind: entity.kind, sequence: entity.sequence, payload: entity.payload) }
                continue
            }
            var chunk = SnapshotChunk()
            for entity in members { try chunk.append(kind: entity.kind, sequence: entity.sequence, payload: entity.payload) }
            if group % 2 == 0 { chunk.seal() }
            try writer.append(chunk)
        }
        return try writer.publish()
    }

    static func read(_ path: String) throws -> [Entity] {
        var result: [Entity] = []
        try SnapshotReader(path: path).readEntities(chunkBytes: 32 << 10) { view in
            result.append(Entity(kind: view.kind, sequence: view.sequence, payload: Array(view.payload)))
        }
        return result
    }

    @Test func roundTripKeepsEveryEntityAndTheHeader() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entities = Self.entities(count: 3000, seed: 1)
        let published = try Self.write(entities, directory: directory, sequence: 42)
        #expect(published.path == directory + "/00000000000000000042.snap")
        #expect(published.entityCount == 3000)
        let reader = try SnapshotReader(path: published.path)
        #expect(reader.header.sequence == 42)
        #expect(reader.header.entityCount == 3000)
        #expect(reader.header.createdNanos > 0)
        #expect(try Self.read(published.path) == entities)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["00000000000000000042.snap"])
    }

    @Test func entitiesAppendedAsChunksRoundTripInOrder() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entities = Self.entities(count: 3000, seed: 11)
        let published = try Self.write(entities, directory: directory, sequence: 43, chunked: true)
        #expect(published.entityCount == 3000)
        #expect(try SnapshotReader(path: published.path).header.entityCount == 3000)
        #expect(try Self.read(published.path) == entities)
    }

    /// An entity that cannot be appended (its serializer throws, or it is over the entity limit) leaves the
    /// chunk as it was, so the entities before it are still written whole.
    @Test func aRefusedEntityLeavesTheChunkAsItWas() throws {
        struct Refused: Error {}
        var chunk = SnapshotChunk()
        try chunk.append(kind: 1, sequence: 7, payload: [1, 2, 3])
        let before = chunk.content
        #expect(throws: Refused.self) {
            try chunk.append(kind: 2, sequence: 8) { bytes in
                bytes.append(contentsOf: [9, 9, 9])
                throw Refused()
            }
        }
        #expect(chunk.content == before && chunk.entityCount == 1)
        let oversized = [UInt8](repeating: 0, count: SnapshotFormat.maxEntityBytes + 1)
        #expect(throws: StorageError.self) { try chunk.append(kind: 2, sequence: 8, payload: oversized) }
        #expect(chunk.content == before && chunk.entityCount == 1)

        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try SnapshotWriter(directory: directory, sequence: 2)
        try writer.append(chunk)
        #expect(try Self.read(try writer.publish().path) == [Entity(kind: 1, sequence: 7, payload: [1, 2, 3])])
    }

    @Test func anEmptyChunkWritesNothing() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try SnapshotWriter(directory: directory, sequence: 1)
        var sealed = SnapshotChunk()
        sealed.seal()
        try writer.append(sealed)
        try writer.append(SnapshotChunk())
        let published = try writer.publish()
        #expect(published.entityCount == 0)
        #expect(try Self.read(published.path).isEmpty)
    }

    @Test func emptySnapshotRoundTrips() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let published = try Self.write([], directory: directory, sequence: 0)
        #expect(try Self.read(published.path).isEmpty)
    }

    @Test func standardLZ4ToolDecodesTheBody() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let entities = Self.entities(count: 500, seed: 2)
        try checkWithLZ4Tool(entities, published: try Self.write(entities, directory: directory, sequence: 9))
        try checkWithLZ4Tool(entities, published: try Self.write(entities, directory: directory, sequence: 10, chunked: true))
    }

    private func checkWithLZ4Tool(_ entities: [Entity], published: SnapshotWriter.Published) throws {
        var expected: [UInt8] = []
        for entity in entities {
            expected.appendLittleEndian(UInt32(entity.payload.count))
            expected.appendLittleEndian(entity.kind)
            expected.appendLittleEndian(UInt16(0))
            expected.appendLittleEndian(entity.sequence)
            expected += entity.payload
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        process.arguments = ["-dc", published.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let decoded = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Array(decoded) == expected)
    }

    @Test func everyDamagedByteOfTheBodyIsRejected() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let published = try Self.write(Self.entities(count: 200, seed: 3).filter { $0.payload.count < 1000 }, directory: directory,
                                       sequence: 5, chunked: true)
        let original = try FileSystem.read(published.path)
        let damagedPath = directory + "/damaged.snap"
        // Every byte from the header frame to the end, flipped one bit at a time (a stride keeps it quick).
        for offset in stride(from: 0, to: original.count, by: max(1, original.count / 400)) {
            var bytes = original
            bytes[offset] ^= 0x10
            try Data(bytes).write(to: URL(fileURLWithPath: damagedPath))
            #expect(throws: StorageError.self, "flip at \(offset) accepted") { _ = try Self.read(damagedPath) }
        }
    }

    @Test func truncatedSnapshotIsRejected() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let published = try Self.write(Self.entities(count: 100, seed: 4), directory: directory, sequence: 5)
        let original = try FileSystem.read(published.path)
        let damagedPath = directory + "/damaged.snap"
        for length in [0, 10, 71, 72, 80, original.count / 2, original.count - 5, original.count - 1] {
            try Data(original[0..<length]).write(to: URL(fileURLWithPath: damagedPath))
            #expect(throws: StorageError.self, "truncation to \(length) accepted") { _ = try Self.read(damagedPath) }
        }
        try Data(original + [0, 0, 0, 0]).write(to: URL(fileURLWithPath: damagedPath))
        #expect(throws: StorageError.self, "trailing bytes accepted") { _ = try Self.read(damagedPath) }
    }

    @Test func loadFallsBackToTheOlderSnapshotWhenTheNewestIsDamaged() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SnapshotStore(directory: directory)
        let older = Self.entities(count: 50, seed: 5)
        _ = try Self.write(older, directory: directory, sequence: 100)
        let newer = try Self.write(Self.entities(count: 60, seed: 6), directory: directory, sequence: 200)
        var bytes = try FileSystem.read(newer.path)
        bytes[bytes.count - 3] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: newer.path))

        var loaded: [Entity] = []
        let outcome = try store.loadNewest { reader in
            loaded = []
            try reader.readEntities { loaded.append(Entity(kind: $0.kind, sequence: $0.sequence, payload: Array($0.payload))) }
        }
        #expect(outcome.loaded?.sequence == 100)
        #expect(outcome.rejected.map(\.path) == [newer.path])
        #expect(loaded == older)
    }

    @Test func loadWithNoValidSnapshotReportsNone() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/00000000000000000007.snap"))
        let outcome = try SnapshotStore(directory: directory).loadNewest { try $0.readEntities { _ in } }
        #expect(outcome.loaded == nil)
        #expect(outcome.rejected.count == 1)
    }

    @Test func pruneKeepsTheNewestTwoAndRetentionFollowsTheOldestKept() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SnapshotStore(directory: directory)
        for sequence: UInt64 in [10, 20, 30, 40] { _ = try Self.write([], directory: directory, sequence: sequence) }
        let removed = try store.prune()
        #expect(removed.count == 2)
        #expect(try store.list().map(\.sequence) == [30, 40])
        #expect(try store.retentionSequence() == 30)
    }

    @Test func coveredSegmentsAreThoseWholeBeforeTheSequence() {
        let segments = [1, 11, 21, 31].map { JournalSegmentFile(firstSequence: UInt64($0), path: "/j/\($0).log") }
        #expect(SnapshotStore.coveredSegments(segments, through: 9).isEmpty)
        #expect(SnapshotStore.coveredSegments(segments, through: 10).map(\.firstSequence) == [1])
        #expect(SnapshotStore.coveredSegments(segments, through: 25).map(\.firstSequence) == [1, 11])
        // The last segment may still grow: never covered.
        #expect(SnapshotStore.coveredSegments(segments, through: 1000).map(\.firstSequence) == [1, 11, 21])
        #expect(SnapshotStore.coveredSegments(Array(segments.prefix(1)), through: 1000).isEmpty)
    }

    @Test func abandonedWriterLeavesNothingUnderTheFinalName() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let writer = try SnapshotWriter(directory: directory, sequence: 3)
            try writer.append(kind: 1, sequence: 1, payload: [1, 2, 3])
            writer.abandon()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func failedSyncDuringPublishLeavesNoSnapshot() throws {
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try SnapshotWriter(directory: directory, sequence: 3, io: FailingSyncIO())
        try writer.append(kind: 1, sequence: 1, payload: [1, 2, 3])
        #expect(throws: IOError.self) { _ = try writer.publish() }
        writer.abandon()
        #expect(try SnapshotStore(directory: directory).list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: writer.finalPath))
    }

    @Test func killedWriterNeverLeavesAHalfSnapshotUnderTheFinalName() throws {
        let child = try #require(BuiltExecutables.path("snapshot-crash-child"))
        let directory = Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(seed: seed)
        var nextSequence: UInt64 = 1
        for round in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: child)
            process.arguments = [directory, String(nextSequence)]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            // Wait for one publish, then kill at a random moment of the following ones.
            _ = pipe.fileHandleForReading.availableData
            usleep(UInt32(rng.next() % 150_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let store = SnapshotStore(directory: directory)
            for entry in try store.list() {
                let reader = try SnapshotReader(path: entry.path)
                let summary = try reader.readEntities { _ in }
                #expect(summary.entities == 5_000, "round \(round) seed \(seed): \(entry.path)")
                nextSequence = max(nextSequence, entry.sequence + 1)
            }
            try store.removeTemporaries()
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasSuffix(".snap") }
            #expect(leftovers.isEmpty, "seed \(seed)")
        }
        #expect(nextSequence > 1, "no snapshot was ever published (seed \(seed))")
    }

}

/// Writes normally but fails every fsync with EIO.
private struct FailingSyncIO: FileIO {
    let system = SystemFileIO()
    func open(_ path: String, flags: Int32, mode: mode_t) throws -> Int32 { try system.open(path, flags: flags, mode: mode) }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int { try system.write(fd, bytes, path: path) }
    func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws -> Int {
        try system.pwrite(fd, bytes, offset: offset, path: path)
    }
    func fdatasync(_ fd: Int32, path: String) throws { throw IOError(operation: "fdatasync", path: path, errno: EIO) }
    func fsync(_ fd: Int32, path: String) throws { throw IOError(operation: "fsync", path: path, errno: EIO) }
    func ftruncate(_ fd: Int32, length: Int64, path: String) throws { try system.ftruncate(fd, length: length, path: path) }
    func rename(_ from: String, _ to: String) throws { try system.rename(from, to) }
    func close(_ fd: Int32) { system.close(fd) }
}
