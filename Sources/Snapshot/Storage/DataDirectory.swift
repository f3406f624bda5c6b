#if canImport(Glibc)
import Glibc
#endif
import CSystemShim

/// The layout of a data directory: `journal/`, `snapshots/` and the `LOCK` file that makes one
/// process its owner. The lock is an `flock` held for the life of the value's `Lock`.
public struct DataDirectory: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    public var journalPath: String { path + "/journal" }
    public var snapshotsPath: String { path + "/snapshots" }
    public var lockPath: String { path + "/LOCK" }

    /// Creates the directories and takes the lock; throws `directoryLocked` when another process has it.
    public func lock() throws -> Lock {
        try FileSystem.createDirectory(path)
        let fd = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(IOError(operation: "open", path: lockPath, errno: errno)) }
        if nn_flock_exclusive_nonblocking(fd) != 0 {
            let code = errno
            Glibc.close(fd)
            if code == EWOULDBLOCK { throw StorageError.directoryLocked(path: lockPath) }
            throw StorageError.io(IOError(operation: "flock", path: lockPath, errno: code))
        }
        // Record the owner's pid for operators; the flock, not the content, is the lock.
        let pid = Array("\(getpid())\n".utf8)
        _ = Glibc.ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { Glibc.pwrite(fd, $0.baseAddress, $0.count, 0) }
        return Lock(fd: fd, path: lockPath)
    }

    /// Holds the directory lock until released or deinitialized (the kernel also drops it at exit).
    public final class Lock: @unchecked Sendable {
        private var fd: Int32
        public let path: String

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        public func release() {
            if fd >= 0 {
                // Unlock explicitly: the lock belongs to the open file description, which a child process
                // between its fork and exec (any test or tool spawning one) may briefly share; closing only our
                // descriptor would then leave the directory locked until that child execs.
                _ = nn_flock_unlock(fd)
                Glibc.close(fd)
                fd = -1
            }
        }

        deinit { release() }
    }
}
