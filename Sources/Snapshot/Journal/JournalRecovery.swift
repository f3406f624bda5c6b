#if canImport(Glibc)
import Glibc
#endif

/// Start-up recovery of a journal directory: verify every segment, cut a torn tail off the last one
/// (keeping the cut bytes in `quarantine/`), and refuse anything else with the file and offset.
enum JournalRecovery {
    struct Outcome {
        var segments: [JournalSegmentFile]
        var active: JournalSegmentFile?
        var activeHeader: JournalFormat.SegmentHeader?
        var activeSize: Int
        var activeRecords: Int
        var report: JournalRecoveryReport
    }

    static func recover(directory: String, options: JournalOptions) throws -> Outcome {
        try FileSystem.createDirectory(directory)
        var files = try JournalDirectory.segments(in: directory)
        var truncations: [JournalRecoveryReport.Truncation] = []
        var previousLast: UInt64?
        var records = 0
        var activeHeader: JournalFormat.SegmentHeader?
        var activeSize = 0
        var activeRecords = 0
        var index = 0
        while index < files.count {
            let file = files[index]
            let isLast = index == files.count - 1
            let mapped = try MappedFile(path: file.path)
            // Lengths on disk are judged against the format's limit, not today's configuration: lowering
            // `maxRecordBytes` must never turn an acknowledged record into a "torn tail".
            let scan = JournalSegmentScanner.scan(mapped.bytes, maxRecordBytes: JournalFormat.absoluteMaxRecordBytes)
            if let problem = JournalDirectory.segmentProblem(file: file, scan: scan, previousLast: previousLast,
                                                             isLast: isLast, fileSize: mapped.count) {
                guard problem.isTornTail else {
                    throw StorageError.corrupt(file: problem.file, offset: problem.offset, reason: problem.reason)
                }
                let cut = Array(mapped.bytes[problem.offset...])
                let quarantine = try quarantineBytes(cut, directory: directory, file: file, offset: problem.offset, io: options.io)
                truncations.append(.init(file: file.path, offset: problem.offset, bytes: cut.count, reason: problem.reason,
                                         quarantinePath: quarantine))
                if scan.header == nil {
                    // The segment was being created when the process died: nothing in it was ever acknowledged.
                    try FileSystem.remove(file.path)
                    try options.io.syncDirectory(directory)
                    files.remove(at: index)
                    continue
                }
                try truncate(file.path, to: problem.offset, io: options.io)
            }
            records += scan.recordCount
            previousLast = scan.lastSequence
            // Kept for every segment: if a torn creation after it is removed, this one becomes the active one.
            activeHeader = scan.header
            activeSize = scan.problem?.offset ?? mapped.count
            activeRecords = scan.recordCount
            index += 1
        }
        let report = JournalRecoveryReport(segments: files.count, records: records,
                                           lastSequence: previousLast ?? (options.firstSequence - 1), truncations: truncations)
        return Outcome(segments: files, active: files.last, activeHeader: activeHeader, activeSize: activeSize,
                       activeRecords: activeRecords, report: report)
    }

    static func quarantineBytes(_ bytes: [UInt8], directory: String, file: JournalSegmentFile, offset: Int, io: any FileIO) throws -> String {
        let folder = directory + "/quarantine"
        try FileSystem.createDirectory(folder)
        let path = folder + "/\(file.name).\(offset).\(FileSystem.nowNanoseconds()).torn"
        let fd = try io.open(path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        defer { io.close(fd) }
        try bytes.withUnsafeBytes { raw in try io.writeAll(fd, raw, path: path) }
        try io.fsync(fd, path: path)
        try io.syncDirectory(folder)
        return path
    }

    static func truncate(_ path: String, to length: Int, io: any FileIO) throws {
        let fd = try io.open(path, flags: O_WRONLY, mode: 0)
        defer { io.close(fd) }
        try io.ftruncate(fd, length: Int64(length), path: path)
        try io.fsync(fd, path: path)
    }
}
