import Snapshot

public struct EngineOptions: Sendable {
    public var journal = JournalOptions()
    public var limits = EngineLimits()
    /// Take a snapshot in the background after this many journal records (0: only on demand).
    public var snapshotEvery: UInt64 = 100_000
    public var observer: EngineObserver?

    public init() {}
}

/// What recovery found and did (`numninja recover` prints it as one JSON line).
public struct RecoverySummary: Sendable {
    /// The snapshot that loaded (its covered sequence), nil when replay started from the beginning.
    public var snapshotSequence: UInt64?
    /// Newer snapshots that failed to verify, with the reason; recovery fell back past them.
    public var rejectedSnapshots: [String]
    public var recordsReplayed: Int
    public var lastSequence: UInt64
    public var numbersByState: [String: Int]
    public var numbers: Int
    public var parked: Int
    public var millis: Double
    /// Of `millis`: loading the snapshot, and replaying the journal tail after it (the rest is opening the
    /// journal and counting numbers by state), so a slow start says where it went.
    public var snapshotMillis: Double = 0
    public var replayMillis: Double = 0
    public var journal: JournalRecoveryReport
}

public struct SnapshotResult: Sendable {
    public var sequence: UInt64
    public var bytes: Int
    public var entities: UInt64
    public var millis: Double
    public var path: String
    public var releasedSegments: [String]
    /// How long ingestion was held up while the snapshot took its cut of the engine's state.
    public var pauseMillis: Double = 0
}
