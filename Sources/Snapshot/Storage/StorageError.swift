#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a storage file: which operation, on which path, with which errno.
public struct IOError: Error, CustomStringConvertible, Equatable, Sendable {
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "\(operation) failed on \(path): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// Errors of the storage layer, each naming what an operator needs to act.
public enum StorageError: Error, CustomStringConvertible, Sendable {
    /// Another process holds `<data>/LOCK`.
    case directoryLocked(path: String)
    /// A record or header that cannot be a torn tail: refuse to start, name the place.
    case corrupt(file: String, offset: Int, reason: String)
    /// The journal stopped accepting writes after an I/O error; restart and recover from disk.
    case journalFailed(underlying: String)
    /// The journal was closed.
    case journalClosed
    /// An append larger than the configured record limit.
    case recordTooLarge(bytes: Int, limit: Int)
    case io(IOError)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .directoryLocked(let path):
            return "data directory is in use by another process (could not lock \(path))"
        case .corrupt(let file, let offset, let reason):
            return "corrupt storage: \(file) at byte offset \(offset): \(reason)"
        case .journalFailed(let underlying):
            return "journal has failed and accepts no more writes (restart to recover from disk): \(underlying)"
        case .journalClosed:
            return "journal is closed"
        case .recordTooLarge(let bytes, let limit):
            return "record of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .io(let error):
            return error.description
        case .invalidArgument(let message):
            return message
        }
    }
}
