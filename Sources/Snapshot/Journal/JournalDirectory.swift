/// The segment files of a journal directory and the read-only walks over them: verification,
/// iteration from a sequence, and the scan that recovery builds on.
public struct JournalSegmentFile: Sendable, Equatable {
    public var firstSequence: UInt64
    public var path: String
    public var name: String { String(path.split(separator: "/").last ?? "") }

    public init(firstSequence: UInt64, path: String) {
        self.firstSequence = firstSequence
        self.path = path
    }
}

/// The first thing wrong in a journal, with the file and byte offset an operator needs.
public struct JournalProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var offset: Int
    public var reason: String
    /// Only a partial write at the very end of the last segment: recovery truncates it.
    public var isTornTail: Bool

    public var description: String {
        "\(file) at byte offset \(offset): \(reason)" + (isTornTail ? " (torn tail: start-up truncates it)" : "")
    }
}

public struct JournalVerification: Sendable {
    public var segments: Int = 0
    public var records: Int = 0
    public var bytes: Int = 0
    public var firstSequence: UInt64?
    public var lastSequence: UInt64 = 0
    public var problem: JournalProblem?
    public var isIntact: Bool { problem == nil }
}

public enum JournalDirectory {
    /// Segment files sorted by first sequence; other names (quarantine, temporaries) are ignored.
    public static func segments(in directory: String) throws -> [JournalSegmentFile] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.list(directory).compactMap { name in
            SequenceFileName.parse(name, suffix: JournalFormat.segmentSuffix).map {
                JournalSegmentFile(firstSequence: $0, path: directory + "/" + name)
            }
        }.sorted { $0.firstSequence < $1.firstSequence }
    }

    /// Checks every record of every segment (frames, checksums, sequence continuity) without changing anything.
    public static func verify(_ directory: String, maxRecordBytes: Int = JournalFormat.absoluteMaxRecordBytes) throws -> JournalVerification {
        var result = JournalVerification()
        try walk(directory, maxRecordBytes: maxRecordBytes, result: &result) { _ in }
        return result
    }

    /// Calls `visit` for each valid record with sequence ≥ `from`, in order. Stops at the first problem and
    /// returns the walk's summary; a torn tail on the last segment ends the walk quietly (`problem` says so).
    @discardableResult
    public static func read(_ directory: String, from: UInt64 = 0, maxRecordBytes: Int = JournalFormat.absoluteMaxRecordBytes,
                            _ visit: (JournalRecordView) throws -> Void) throws -> JournalVerification {
        var result = JournalVerification()
        try walk(directory, from: from, maxRecordBytes: maxRecordBytes, result: &result, visit: visit)
        return result
    }

    static func walk(_ directory: String, from: UInt64 = 0, maxRecordBytes: Int, result: inout JournalVerification,
                     visit: (JournalRecordView) throws -> Void) throws {
        let files = try segments(in: directory)
        result.segments = files.count
        var previousLast: UInt64?
        for (index, file) in files.enumerated() {
            let isLast = index == files.count - 1
            // Skip segments entirely before `from` without reading them.
            if !isLast, files[index + 1].firstSequence <= from, from > 0 {
                previousLast = files[index + 1].firstSequence - 1
                continue
            }
            let mapped = try MappedFile(path: file.path)
            result.bytes += mapped.count
            let scan = try JournalSegmentScanner.scan(mapped.bytes, maxRecordBytes: maxRecordBytes) { record in
                if record.sequence >= from { try visit(record) }
            }
            if let problem = segmentProblem(file: file, scan: scan, previousLast: previousLast, isLast: isLast, fileSize: mapped.count) {
                result.problem = problem
                return
            }
            if result.firstSequence == nil, let header = scan.header { result.firstSequence = header.firstSequence }
            result.records += scan.recordCount
            result.lastSequence = scan.lastSequence
            previousLast = scan.lastSequence
        }
    }

    /// Judges one segment's scan in its place in the journal.
    static func segmentProblem(file: JournalSegmentFile, scan: JournalSegmentScan, previousLast: UInt64?, isLast: Bool,
                               fileSize: Int) -> JournalProblem? {
        if let header = scan.header {
            if header.firstSequence != file.firstSequence {
                return JournalProblem(file: file.path, offset: 16, reason: "header says first sequence \(header.firstSequence), name says \(file.firstSequence)", isTornTail: false)
            }
            if let previousLast, header.firstSequence != previousLast + 1 {
                return JournalProblem(file: file.path, offset: 16, reason: "segment starts at sequence \(header.firstSequence) but the previous one ends at \(previousLast)", isTornTail: false)
            }
        }
        guard let problem = scan.problem else { return nil }
        // A header that never made it to disk whole: the crash hit while the segment was being created.
        let tornCreation = scan.header == nil && fileSize <= JournalFormat.segmentHeaderSize
        let torn = isLast && problem.validRecordAfter == nil && (scan.header != nil || tornCreation)
        var reason = problem.reason
        if let after = problem.validRecordAfter { reason += "; a valid record follows at offset \(after)" }
        return JournalProblem(file: file.path, offset: problem.offset, reason: reason, isTornTail: torn)
    }
}
