#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The data directory on a small tmpfs that is filled up under load: the server must answer 503 rather than
/// acknowledge, lose nothing it acknowledged, and come back once space returns (after a restart: a failed
/// journal write is fatal to the writer, DESIGN.md §Persistence).
struct DiskFullFigures {
    var skipped: String?
    var ackedBeforeFull = 0
    var ackedAfterFull = 0
    var unavailableAfterFull = 0
    var readyzWhileFull = 0
    var freeBytesAfterFill = 0
    var serverExitedWhileFull: Int32?
    var run = RunFigures()

    var clean: Bool { skipped != nil || run.clean }

    var text: String {
        if let skipped { return "disk full: skipped (\(skipped))" }
        return "disk full (8 MiB tmpfs, 16 KiB segments): acknowledged before the disk filled \(ackedBeforeFull), after \(ackedAfterFull) "
            + "(\(freeBytesAfterFill) bytes free after filling); "
            + "503 answers after \(unavailableAfterFull); /readyz while full \(readyzWhileFull)"
            + (serverExitedWhileFull.map { "; serve exited on its own with status \($0)" } ?? "")
            + "; after freeing space and a restart: lost \(run.check.lost), applied twice \(run.check.twice), "
            + "mismatches \(run.check.mismatches), in doubt and found landed on retry \(run.landedWithoutAck), "
            + "recovery \(RunFigures.millis(run.recoveryMillis.first ?? 0)) ms"
    }
}

enum DiskFullRun {
    static func run(options: HarnessOptions, root: String) -> DiskFullFigures {
        var out = DiskFullFigures()
        let mountPoint = root + "/tmpfs"
        try? FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint])
        guard mount.status == 0 else {
            out.skipped = "mount -t tmpfs refused: \(mount.error.trimmingCharacters(in: .whitespacesAndNewlines))"
            return out
        }
        defer { _ = runCommand("/bin/umount", [mountPoint]) }
        let settings = RunSettings(binary: options.numninja, runDirectory: root, dataDirectory: mountPoint + "/data",
                                   seed: options.seed ^ 0xD15C, cycles: 1, numbers: 80, prefix: "d", threads: 4,
                                   acksPerCycle: 100...100, segmentBytes: 16 * 1024, snapshotEvery: 200, phaseSeconds: 30)
        guard let crash = CrashRun(settings), let (server, _) = crash.startServer() else {
            out.skipped = "the server did not start on the tmpfs"
            return out
        }
        let phase = crash.startLoad(server)
        crash.wait(server, seconds: 30) { crash.ledger.acknowledged >= 100 }
        out.ackedBeforeFull = crash.ledger.acknowledged
        let filler = mountPoint + "/filler"
        fill(filler)
        out.freeBytesAfterFill = freeBytes(mountPoint)
        let unavailableBefore = crash.ledger.unavailable
        crash.wait(server, seconds: 20) { crash.ledger.unavailable - unavailableBefore >= 20 }
        phase.stop()
        _ = phase.join()
        out.ackedAfterFull = crash.ledger.acknowledged - out.ackedBeforeFull
        out.unavailableAfterFull = crash.ledger.unavailable - unavailableBefore
        if server.process.isRunning {
            out.readyzWhileFull = (try? HTTPClientConnection.once(port: server.port, HTTPClientConnection.request("GET", "/readyz")))?.status ?? 0
        } else {
            out.serverExitedWhileFull = server.process.terminationStatus
        }
        crash.kill(server, nil)
        crash.figures.problems.removeAll { $0.hasPrefix("serve exited on its own") }
        if out.unavailableAfterFull == 0 { crash.figures.problems.append("no 503 after the disk filled") }
        if out.readyzWhileFull == 200 { crash.figures.problems.append("/readyz answered 200 with the journal failed") }
        try? FileManager.default.removeItem(atPath: filler)
        crash.verifyJournal("after the disk filled", allowTornTail: true)
        guard let (again, millis) = crash.startServer() else {
            out.run = crash.finish()
            return out
        }
        crash.figures.cycles = 1
        crash.figures.recoveryMillis.append(millis)
        crash.check(again, "disk full, after freeing space and a restart")
        crash.settle(again)
        crash.check(again, "disk full, final, nothing in doubt")
        let status = again.stop()
        if status != 0 { crash.figures.problems.append("serve exited \(status) on SIGTERM after the disk-full run") }
        crash.verifyJournal("after the disk-full run", allowTornTail: false)
        out.run = crash.finish()
        return out
    }

    static func freeBytes(_ path: String) -> Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return -1 }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// Writes zeros until the file system is full (bounded: the tmpfs is 8 MiB).
    static func fill(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        for chunk in [1 << 20, 1 << 12, 1 << 8, 1] {
            let zeros = [UInt8](repeating: 0, count: chunk)
            for _ in 0..<(16 << 20) / chunk {
                let written = zeros.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < chunk { break }
            }
        }
    }
}
