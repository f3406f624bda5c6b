/// How a journal writes. Defaults are the production settings.
public struct JournalOptions: Sendable {
    public enum Durability: String, Sendable {
        /// A completed append is on disk (one fdatasync per batch).
        case always
        /// Skip fdatasync: benchmarks only.
        case never
    }

    public var segmentBytes: Int = 64 << 20
    public var durability: Durability = .always
    /// Bounds on one group-commit batch: the writer drains at most this much before one write + one sync.
    public var maxBatchRecords: Int = 8192
    public var maxBatchBytes: Int = 8 << 20
    /// The largest payload accepted for new appends (larger ones fail at once). Records already on disk are
    /// judged against the format limit, so lowering this never invalidates acknowledged data.
    public var maxRecordBytes: Int = 16 << 20
    /// Sequence of the very first record of a new journal.
    public var firstSequence: UInt64 = 1
    public var io: any FileIO = SystemFileIO()
    /// Called on the writer thread after each batch is durable: records, bytes, seconds spent in fdatasync.
    public var onBatch: (@Sendable (_ records: Int, _ bytes: Int, _ syncSeconds: Double) -> Void)?

    public init() {}
}

/// One record to append. `time` 0 means "now" (read once per batch by the writer).
public struct JournalEntry: Sendable {
    public var kind: UInt16
    public var time: Int64
    public var payload: [UInt8]

    public init(kind: UInt16, payload: [UInt8], time: Int64 = 0) {
        self.kind = kind
        self.payload = payload
        self.time = time
    }
}

/// What opening a journal found and did, for the operator's log.
public struct JournalRecoveryReport: Sendable {
    public var segments: Int
    public var records: Int
    public var lastSequence: UInt64
    /// Torn tails cut off at open, each kept aside in a quarantine file.
    public var truncations: [Truncation]

    public struct Truncation: Sendable, Equatable {
        public var file: String
        public var offset: Int
        public var bytes: Int
        public var reason: String
        public var quarantinePath: String
    }
}
