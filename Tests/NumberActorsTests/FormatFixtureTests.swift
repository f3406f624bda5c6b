import Foundation
@testable import NumberActors
import Snapshot
import Testing

/// data/fixtures/engine-v1 was written by `fixture-writer` in format version 1 of journal records,
/// snapshot entities and the domain codec. These tests must keep passing after any format change:
/// old data directories have to recover.
@Suite struct FormatFixtureTests {
    static let fixture: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("data/fixtures/engine-v1").path
    }()

    @Test func everyJournalRecordOfVersion1Decodes() throws {
        var kinds: [UInt16] = []
        let walk = try JournalDirectory.read(DataDirectory(Self.fixture).journalPath) { view in
            kinds.append(view.kind)
            _ = try EngineRecord.decode(kind: view.kind, Array(view.payload))
        }
        #expect(walk.isIntact)
        #expect(walk.lastSequence == 15)
        #expect(kinds.contains(EngineRecord.Kind.assignParked.rawValue))
    }

    @Test func snapshotOfVersion1Loads() throws {
        let store = SnapshotStore(directory: DataDirectory(Self.fixture).snapshotsPath)
        var state = EngineState()
        var meta: EngineSnapshotCodec.Meta?
        let lanes = RecoveryLanes(limits: EngineLimits())
        let outcome = try store.loadNewest { reader in meta = try state.load(reader, lanes: lanes) }
        lanes.finish(into: &state)
        #expect(outcome.loaded?.sequence == 8)
        #expect(meta?.coveredSequence == 8)
        #expect(state.parked.count == 1)
        #expect(state.numbers["num_active"]?.state.state == .active)
    }

    @Test func version1DirectoryRecoversToTheKnownState() throws {
        let state = try NumberEngine.recoverState(DataDirectory(Self.fixture))
        #expect(state.numbers.count == 3)
        let active = try #require(state.numbers["num_active"])
        #expect(active.state.state == .active)
        #expect(active.state.didwwDIDID == "did_a")
        #expect(active.state.usage?.usage.calls == 2)
        #expect(active.state.usage?.usage.callSeconds == 65)
        #expect(active.state.usage?.usage.smsIn == 1)
        #expect(active.state.paidThrough == Int64(1_769_904_000))
        let late = try #require(state.numbers["num_late"])
        #expect(late.state.state == .paid)
        #expect(late.state.paidThrough == Int64(1_772_225_600))
        let dead = try #require(state.numbers["num_dead"])
        #expect(dead.state.state == .cancelled)
        #expect(state.parked.all.map(\.event.source.eventID) == ["evt_orphan"])
        #expect(state.router.resolve([RouteKey(.subscription, "sub_b")]) == "num_late")
        #expect(state.router.resolve([RouteKey(.e164, "+1 415 555 0101")]) == "num_active")
        #expect(state.dedupe.count == 14)
    }
}
