/// The snapshots directory: listing, publishing, keeping the newest two, falling back when the newest
/// is damaged, and the retention rule for journal segments.
public struct SnapshotStore: Sendable {
    public let directory: String
    public let io: any FileIO
    /// How many published snapshots to keep (the newest ones).
    public let keep: Int

    public init(directory: String, io: any FileIO = SystemFileIO(), keep: Int = 2) {
        precondition(keep >= 1, "keep at least one snapshot")
        self.directory = directory
        self.io = io
        self.keep = keep
    }

    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var path: String
    }

    /// Published snapshots, oldest first.
    public func list() throws -> [Entry] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.list(directory).compactMap { name in
            SequenceFileName.parse(name, suffix: SnapshotFormat.suffix).map { Entry(sequence: $0, path: directory + "/" + name) }
        }.sorted { $0.sequence < $1.sequence }
    }

    /// Starts a snapshot covering journal records up to `sequence`.
    public func writer(sequence: UInt64) throws -> SnapshotWriter {
        try SnapshotWriter(directory: directory, sequence: sequence, io: io)
    }

    /// Deletes temporary files left by a writer that died (only the directory's owner may call this).
    public func removeTemporaries() throws {
        guard FileSystem.isDirectory(directory) else { return }
        for name in try FileSystem.list(directory) where name.hasSuffix(SnapshotFormat.temporarySuffix) {
            try FileSystem.remove(directory + "/" + name)
        }
    }

    /// Deletes all but the newest `keep` snapshots; returns the deleted paths.
    @discardableResult
    public func prune() throws -> [String] {
        let entries = try list()
        guard entries.count > keep else { return [] }
        let doomed = entries.dropLast(keep)
        for entry in doomed { try FileSystem.remove(entry.path) }
        try io.syncDirectory(directory)
        return doomed.map(\.path)
    }

    /// The sequence up to which journal segments may be released: the oldest kept snapshot's, so that
    /// falling back to it still finds every later record. Nil when there is no snapshot.
    public func retentionSequence() throws -> UInt64? {
        try list().suffix(keep).first?.sequence
    }

    /// The retention rule: segments (oldest first) whose every record is ≤ `sequence`. The last segment,
    /// which may still grow, is never covered.
    public static func coveredSegments(_ segments: [JournalSegmentFile], through sequence: UInt64) -> [JournalSegmentFile] {
        guard segments.count > 1 else { return [] }
        var covered: [JournalSegmentFile] = []
        for index in 0..<(segments.count - 1) where segments[index + 1].firstSequence - 1 <= sequence {
            covered.append(segments[index])
        }
        return covered
    }

    public struct LoadOutcome: Sendable {
        /// The snapshot that loaded, nil when none did (or there was none): replay the whole journal.
        public var loaded: Entry?
        public var header: SnapshotFormat.Header?
        /// Newer snapshots that failed to verify, with the reason.
        public var rejected: [(path: String, reason: String)]
    }

    /// Loads the newest snapshot that verifies. `load` is called with each candidate's reader, newest first;
    /// it must start from empty state each time, because a candidate that fails part-way is abandoned.
    public func loadNewest(_ load: (SnapshotReader) throws -> Void) throws -> LoadOutcome {
        var rejected: [(path: String, reason: String)] = []
        for entry in try list().reversed() {
            do {
                let reader = try SnapshotReader(path: entry.path)
                try load(reader)
                return LoadOutcome(loaded: entry, header: reader.header, rejected: rejected)
            } catch let error as StorageError {
                guard case .corrupt = error else { throw error }
                rejected.append((entry.path, "\(error)"))
            }
        }
        return LoadOutcome(loaded: nil, header: nil, rejected: rejected)
    }
}
