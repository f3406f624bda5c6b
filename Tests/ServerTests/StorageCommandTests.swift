import Foundation
import Snapshot
import TestSupport
import Testing

/// The storage tools as an operator runs them: the real `numninja` binary, real files, exit statuses.
@Suite struct StorageCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    static func numninja(_ arguments: [String]) throws -> Run {
        let binary = try #require(BuiltExecutables.path("numninja"), "numninja is built next to the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }


    /// A data directory with `count` records: even ones UTF-8 text, odd ones binary.
    static func makeJournal(count: Int) async throws -> DataDirectory {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-cli-\(UInt64.random(in: 0...UInt64.max))")
        let journal = try Journal(directory: data.journalPath)
        for index in 1...count {
            let payload: [UInt8] = index % 2 == 0 ? Array("event \(index) \"quoted\"".utf8) : [0xFF, 0x00, UInt8(index)]
            _ = try await journal.append(kind: UInt16(index % 3), payload: payload)
        }
        journal.close()
        return data
    }

    @Test func verifyOfAnIntactJournalExitsZero() async throws {
        let data = try await Self.makeJournal(count: 10)
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let run = try Self.numninja(["journal", "verify", "--data-dir", data.path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"intact\":true"))
        #expect(run.stdout.contains("\"last_sequence\":10"))
    }

    @Test func verifyNamesTheFileAndOffsetOfCorruptionAndChangesNothing() async throws {
        let data = try await Self.makeJournal(count: 10)
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let segment = try #require(try JournalDirectory.segments(in: data.journalPath).first)
        var bytes = try FileSystem.read(segment.path)
        // Damage the payload of the third record; records 4..10 still follow intact.
        var offset = JournalFormat.segmentHeaderSize
        for _ in 0..<2 { offset += JournalFormat.recordHeaderSize + Int(bytes[offset]) }
        bytes[offset + JournalFormat.recordHeaderSize] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment.path))
        let run = try Self.numninja(["journal", "verify", "--data-dir", data.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains(segment.path))
        #expect(run.stderr.contains("offset \(offset)"))
        #expect(try FileSystem.read(segment.path) == bytes)
    }

    @Test func dumpPrintsJSONLinesWithTextOrBase64Payloads() async throws {
        let data = try await Self.makeJournal(count: 6)
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let run = try Self.numninja(["journal", "dump", "--data-dir", data.path, "--from", "3"])
        #expect(run.status == 0)
        #expect(run.lines.count == 4)
        let first = try JSONSerialization.jsonObject(with: Data(run.lines[0].utf8)) as! [String: Any]
        #expect(first["sequence"] as? Int == 3)
        #expect(first["payload_base64"] as? String == Data([0xFF, 0x00, 3]).base64EncodedString())
        #expect(first["size"] as? Int == 3)
        let second = try JSONSerialization.jsonObject(with: Data(run.lines[1].utf8)) as! [String: Any]
        #expect(second["payload"] as? String == "event 4 \"quoted\"")
        #expect(second["kind"] as? Int == 1)
        #expect((second["time"] as? String)?.hasSuffix("Z") == true)
    }

    @Test func badCommandLinesExitTwoWithAReason() throws {
        let unknownFlag = try Self.numninja(["journal", "verify", "--data-dir", "/tmp", "--bogus"])
        #expect(unknownFlag.status == 2)
        #expect(unknownFlag.stderr.contains("--bogus"))
        let missing = try Self.numninja(["journal", "dump"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--data-dir"))
        let badFrom = try Self.numninja(["journal", "dump", "--data-dir", "/tmp", "--from", "x"])
        #expect(badFrom.status == 2)
        #expect(try Self.numninja(["frobnicate"]).status == 2)
        #expect(try Self.numninja(["journal", "verify", "--help"]).status == 0)
        let noJournal = try Self.numninja(["journal", "verify", "--data-dir", "/nonexistent-nn"])
        #expect(noJournal.status == 2)
    }

    @Test func snapshotInspectVerifiesAndDumps() throws {
        let directory = NSTemporaryDirectory() + "nn-cli-snap-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try SnapshotWriter(directory: directory, sequence: 77)
        try writer.append(kind: 4, sequence: 70, payload: Array("{\"id\":\"num_1\"}".utf8))
        try writer.append(kind: 5, sequence: 77, payload: [0xC3, 0x28])
        let published = try writer.publish()

        let inspect = try Self.numninja(["snapshot", "inspect", published.path])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("\"sequence\":77"))
        #expect(inspect.stdout.contains("\"entities\":2"))

        let dump = try Self.numninja(["snapshot", "inspect", published.path, "--dump"])
        #expect(dump.status == 0)
        #expect(dump.lines.count == 3)
        #expect(dump.lines[1].contains("\"payload\":\"{\\\"id\\\":\\\"num_1\\\"}\""))
        #expect(dump.lines[2].contains("\"payload_base64\":\"wyg=\""))

        var bytes = try FileSystem.read(published.path)
        bytes[bytes.count - 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: published.path))
        let damaged = try Self.numninja(["snapshot", "inspect", published.path])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains(published.path))
    }

    @Test func serveRefusesADataDirectoryThatIsInUse() throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-cli-lock-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let lock = try data.lock()
        let run = try Self.numninja(["serve", "--data-dir", data.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("in use"))
        lock.release()
        let free = try Self.numninja(["recover", "--data-dir", data.path])
        #expect(free.status == 0)
        #expect(free.stdout.contains("\"last_sequence\":0"))
    }
}
