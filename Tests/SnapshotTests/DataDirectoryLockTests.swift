import Testing
import Snapshot
#if canImport(Glibc)
import Glibc
#endif

@Suite("Data directory lock")
struct DataDirectoryLockTests {
    @Test("a second lock on the same directory fails with directoryLocked until the first is released")
    func secondLockFails() throws {
        try withTempDirectory { tmp in
            let data = DataDirectory(tmp.sub("data") + "/")
            #expect(data.path == tmp.sub("data"))
            #expect(data.journalPath == tmp.sub("data") + "/journal")
            let first = try data.lock()
            #expect(first.path == data.lockPath)
            let contents = String(decoding: try Files.read(data.lockPath), as: UTF8.self)
            #expect(contents == "\(getpid())\n")

            do {
                let second = try data.lock()
                second.release()
                Issue.record("a second lock succeeded while the first is held")
            } catch StorageError.directoryLocked(let path) {
                #expect(path == data.lockPath)
            }
            // The failed attempt did not disturb the holder.
            #expect(throws: StorageError.self) { try data.lock() }

            first.release()
            first.release()  // idempotent
            let again = try data.lock()
            again.release()
        }
    }

    @Test("the lock is dropped when the Lock is deinitialized")
    func releasedOnDeinit() throws {
        try withTempDirectory { tmp in
            let data = DataDirectory(tmp.sub("data"))
            do {
                let held = try data.lock()
                #expect(throws: StorageError.self) { try data.lock() }
                withExtendedLifetime(held) {}
            }
            let again = try data.lock()
            again.release()
        }
    }

    @Test("another process cannot take the lock while it is held")
    func otherProcess() throws {
        let child = try locateBuiltExecutable("storage-crash-child")
        try withTempDirectory { tmp in
            let data = DataDirectory(tmp.sub("data"))
            func childExitCode() throws -> Int32? {
                let process = try ChildProcess(executable: child, arguments: ["lock", data.path])
                return ChildProcess.exitCode(process.wait())
            }
            let lock = try data.lock()
            #expect(try childExitCode() == 3, "the child got the lock while this process holds it")
            lock.release()
            #expect(try childExitCode() == 0, "the child could not lock a released directory")
            // And the child's lock was dropped when it exited.
            let again = try data.lock()
            again.release()
        }
    }
}
