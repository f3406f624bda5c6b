#if canImport(Glibc)
import Glibc
#endif
import CSystemShim

/// An epoll instance in level-triggered mode. Every registration carries an id in `epoll_data` instead of the
/// descriptor, so an event that arrives after its descriptor was closed (and perhaps reused) finds no owner and is dropped.
struct Epoll {
    static let readable = NN_EPOLLIN
    static let writable = NN_EPOLLOUT
    static let errorOrHangUp = NN_EPOLLERR | NN_EPOLLHUP

    let fd: Int32

    static func make() throws(SocketError) -> Epoll {
        Epoll(fd: try Syscall.checked("epoll_create1") { nn_epoll_create() })
    }

    func add(_ descriptor: Int32, events: UInt32, id: UInt64) throws(SocketError) {
        _ = try Syscall.checked("epoll_ctl(ADD)") { nn_epoll_ctl(fd, NN_EPOLL_CTL_ADD, descriptor, events, id) }
    }

    func modify(_ descriptor: Int32, events: UInt32, id: UInt64) throws(SocketError) {
        _ = try Syscall.checked("epoll_ctl(MOD)") { nn_epoll_ctl(fd, NN_EPOLL_CTL_MOD, descriptor, events, id) }
    }

    func remove(_ descriptor: Int32) {
        _ = try? Syscall.call("epoll_ctl(DEL)") { nn_epoll_ctl(fd, NN_EPOLL_CTL_DEL, descriptor, 0, 0) }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever); fills the two parallel buffers and answers the count.
    func wait(events: UnsafeMutableBufferPointer<UInt32>, ids: UnsafeMutableBufferPointer<UInt64>,
              timeoutMilliseconds: Int32) -> Int {
        while true {
            let count = nn_epoll_wait(fd, events.baseAddress, ids.baseAddress, Int32(min(events.count, ids.count)),
                                      timeoutMilliseconds)
            if count >= 0 { return Int(count) }
            let code = errno
            if code == EINTR { return 0 }  // a signal: recompute deadlines and wait again
            preconditionFailure("epoll_wait failed with errno \(code), which can only mean a bug")
        }
    }

    func close() { Socket.close(fd) }
}
