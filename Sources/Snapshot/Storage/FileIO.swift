#if canImport(Glibc)
import Glibc
#endif
import CSystemShim

/// The seam through which storage writes and syncs files. Production uses `SystemFileIO`;
/// tests substitute an implementation that injects short writes, EIO or ENOSPC.
/// Reads go straight to the kernel: a fault there is the same as corruption, tested with real bytes.
public protocol FileIO: Sendable {
    func open(_ path: String, flags: Int32, mode: mode_t) throws -> Int32
    /// Writes some prefix of `bytes`; returns how many bytes were written (may be fewer).
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int
    func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws -> Int
    func fdatasync(_ fd: Int32, path: String) throws
    func fsync(_ fd: Int32, path: String) throws
    func ftruncate(_ fd: Int32, length: Int64, path: String) throws
    func rename(_ from: String, _ to: String) throws
    func close(_ fd: Int32)
}

public struct SystemFileIO: FileIO {
    public init() {}

    public func open(_ path: String, flags: Int32, mode: mode_t) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw IOError(operation: "open", path: path, errno: errno) }
        }
    }

    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws -> Int {
        while true {
            let n = Glibc.write(fd, bytes.baseAddress, bytes.count)
            if n >= 0 { return n }
            if errno != EINTR { throw IOError(operation: "write", path: path, errno: errno) }
        }
    }

    public func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws -> Int {
        while true {
            let n = Glibc.pwrite(fd, bytes.baseAddress, bytes.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw IOError(operation: "pwrite", path: path, errno: errno) }
        }
    }

    public func fdatasync(_ fd: Int32, path: String) throws {
        // Never retried on failure (the kernel may have dropped the dirty pages), except EINTR,
        // which means the call did not run.
        while nn_fdatasync(fd) != 0 {
            if errno != EINTR { throw IOError(operation: "fdatasync", path: path, errno: errno) }
        }
    }

    public func fsync(_ fd: Int32, path: String) throws {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw IOError(operation: "fsync", path: path, errno: errno) }
        }
    }

    public func ftruncate(_ fd: Int32, length: Int64, path: String) throws {
        while Glibc.ftruncate(fd, off_t(length)) != 0 {
            if errno != EINTR { throw IOError(operation: "ftruncate", path: path, errno: errno) }
        }
    }

    public func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw IOError(operation: "rename to \(to)", path: from, errno: errno) }
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
}

extension FileIO {
    /// Writes all of `bytes`, continuing after short writes. A zero-length write is an error (ENOSPC-like).
    public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let n = try write(fd, rest, path: path)
            if n == 0 { throw IOError(operation: "write", path: path, errno: ENOSPC) }
            done += n
        }
    }

    public func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: Int64, path: String) throws {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let n = try pwrite(fd, rest, offset: offset + Int64(done), path: path)
            if n == 0 { throw IOError(operation: "pwrite", path: path, errno: ENOSPC) }
            done += n
        }
    }

    /// fsync of a directory, so that a create, rename or unlink inside it is durable.
    public func syncDirectory(_ path: String) throws {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        defer { close(fd) }
        try fsync(fd, path: path)
    }
}

/// Plain read-side helpers over the kernel.
public enum FileSystem {
    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` (and parents) as directories; an existing directory is fine.
    public static func createDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw IOError(operation: "mkdir", path: prefix, errno: errno)
            }
            prefix += "/"
        }
    }

    /// Names in `path` (not `.` and `..`), unsorted.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw IOError(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw IOError(operation: "unlink", path: path, errno: errno) }
    }

    /// Reads a whole file (or `length` bytes from `offset`) into memory.
    public static func read(_ path: String, offset: Int = 0, length: Int? = nil) throws -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError(operation: "open", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IOError(operation: "fstat", path: path, errno: errno) }
        let available = max(0, Int(st.st_size) - offset)
        let count = min(length ?? available, available)
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { break }
                done += n
            }
        }
        if failure != 0 { throw IOError(operation: "read", path: path, errno: failure) }
        if done < count { buffer.removeLast(count - done) }
        return buffer
    }

    /// Nanoseconds since the Unix epoch, from the wall clock.
    public static func nowNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
