import Snapshot
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A `FileIO` that passes everything to `SystemFileIO` until told to fail. Counts start when a fault is armed,
/// so a journal can be opened (and its first segment created) before the fault applies.
final class FaultInjectingFileIO: FileIO, Sendable {
    enum Fault: Sendable, Equatable {
        /// The nth write (1-based, counted from arming) writes only part of its bytes (`keep`, or half when nil);
        /// the write after it fails with ENOSPC, as a disk that fills up in the middle of a write.
        case shortWrite(nth: Int, keep: Int? = nil)
        /// The nth write fails without writing anything.
        case writeError(nth: Int, errno: Int32)
        /// Every write from the nth on fails without writing anything (a full disk stays full).
        case writesFail(fromNth: Int, errno: Int32)
        /// The nth fdatasync fails.
        case fdatasyncError(nth: Int, errno: Int32)
        /// The nth fsync (segment creation, directory sync, recovery) fails.
        case fsyncError(nth: Int, errno: Int32)
    }

    struct Injection: Sendable, Equatable {
        var operation: String
        var path: String
        var errno: Int32
        /// Bytes really written by a short write (0 for a failed call).
        var written: Int
    }

    private struct State {
        var fault: Fault?
        var writes = 0
        var fdatasyncs = 0
        var fsyncs = 0
        var failNextWrite: Int32?
        var injections: [Injection] = []
    }

    private let base = SystemFileIO()
    private let state = Mutex(State())

    init() {}

    /// Arms one fault and restarts the counters.
    func arm(_ fault: Fault) {
        state.withLock { state in
            state.fault = fault
            state.writes = 0
            state.fdatasyncs = 0
            state.fsyncs = 0
            state.failNextWrite = nil
        }
    }

    func disarm() { state.withLock { $0.fault = nil; $0.failNextWrite = nil } }

    /// The faults injected so far (a test checks its fault really happened).
    var injections: [Injection] { state.withLock { $0.injections } }

    /// Writes seen since arming.
    var writeCount: Int { state.withLock { $0.writes } }

    // MARK: FileIO

    func open(_ path: String, flags: Int32, mode: mode_t) throws -> Int32 {
        try base.open(path, flags: flags, mode: mode)
    }

    private enum WriteAction {
        case pass
        case short(Int)
        case fail(Int32)
    }

    private func decideWrite(count: Int, operation: String, path: String) -> WriteAction {
        state.withLock { state -> WriteAction in
            if let code = state.failNextWrite {
                state.failNextWrite = nil
                state.injections.append(Injection(operation: operation, path: path, errno: code, written: 0))
                return .fail(code)
            }
            state.writes += 1
            switch state.fault {
            case .shortWrite(let nth, let keep)? where state.writes == nth && count > 1:
                let kept = min(max(1, keep ?? count / 2), count - 1)
                state.failNextWrite = ENOSPC
                state.injections.append(Injection(operation: operation + " (short)", path: path, errno: 0, written: kept))
                return .short(kept)
            case .writeError(let nth, let code)? where state.writes == nth:
                state.injections.append(Injection(operation: operation, path: path, errno: code, written: 0))
                return .fail(code)
            case .writesFail(let nth, let code)? where state.writes >= nth:
                state.injections.append(Injection(operation: operation, path: path, errno: code, written: 0))
                return .fail(code)
            default:
                return .pass
            }
        }
    }

    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int {
        switch decideWrite(count: bytes.count, operation: "write", path: path) {
        case .pass:
            return try base.write(fd, bytes, path: path)
        case .short(let kept):
            return try base.write(fd, UnsafeRawBufferPointer(rebasing: bytes[0..<kept]), path: path)
        case .fail(let code):
            throw IOError(operation: "write (injected)", path: path, errno: code)
        }
    }

    func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws -> Int {
        switch decideWrite(count: bytes.count, operation: "pwrite", path: path) {
        case .pass:
            return try base.pwrite(fd, bytes, offset: offset, path: path)
        case .short(let kept):
            return try base.pwrite(fd, UnsafeRawBufferPointer(rebasing: bytes[0..<kept]), offset: offset, path: path)
        case .fail(let code):
            throw IOError(operation: "pwrite (injected)", path: path, errno: code)
        }
    }

    func fdatasync(_ fd: Int32, path: String) throws {
        let failure: Int32? = state.withLock { state in
            state.fdatasyncs += 1
            if case .fdatasyncError(let nth, let code)? = state.fault, state.fdatasyncs == nth {
                state.injections.append(Injection(operation: "fdatasync", path: path, errno: code, written: 0))
                return code
            }
            return nil
        }
        if let failure { throw IOError(operation: "fdatasync (injected)", path: path, errno: failure) }
        try base.fdatasync(fd, path: path)
    }

    func fsync(_ fd: Int32, path: String) throws {
        let failure: Int32? = state.withLock { state in
            state.fsyncs += 1
            if case .fsyncError(let nth, let code)? = state.fault, state.fsyncs == nth {
                state.injections.append(Injection(operation: "fsync", path: path, errno: code, written: 0))
                return code
            }
            return nil
        }
        if let failure { throw IOError(operation: "fsync (injected)", path: path, errno: failure) }
        try base.fsync(fd, path: path)
    }

    func ftruncate(_ fd: Int32, length: Int64, path: String) throws {
        try base.ftruncate(fd, length: length, path: path)
    }

    func rename(_ from: String, _ to: String) throws {
        try base.rename(from, to)
    }

    func close(_ fd: Int32) { base.close(fd) }
}
