#if canImport(Glibc)
import Glibc
#endif
import CSystemShim
import Dispatch
import Synchronization

/// A serial queue of work on a thread of its own, at a lower priority than the process's other threads, for a
/// recovery lane: work that must be done before recovery ends but that nothing waits for meanwhile (the router's
/// indexes, the dedupe window). On two cores, the loading thread and the decoders then get the cores first, and
/// the lane catches up while replay leaves a core idle. The thread ends with `stop()`.
final class LaneThread: @unchecked Sendable {
    private enum Item {
        case work(@Sendable () -> Void)
        case stop
    }

    private let pending = Mutex<[Item]>([])
    private let wake = DispatchSemaphore(value: 0)
    /// Set by `stop()`; read and written only by the thread that owns the lane.
    private(set) var stopped = false

    init(name: String) {
        let start = Unmanaged.passRetained(Start(self, name)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            nn_set_thread_name(String(start.name.prefix(15)))
            _ = nn_lower_thread_priority(5)
            start.lane.run()
            return nil
        }, start)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }

    private final class Start {
        let lane: LaneThread
        let name: String
        init(_ lane: LaneThread, _ name: String) {
            self.lane = lane
            self.name = name
        }
    }

    /// Queues `work` after everything queued before it (not after `stop()`).
    func async(_ work: @escaping @Sendable () -> Void) {
        precondition(!stopped, "work queued on a stopped lane")
        pending.withLock { $0.append(.work(work)) }
        wake.signal()
    }

    /// Waits until everything queued so far has run.
    func drain() {
        let done = DispatchSemaphore(value: 0)
        async { done.signal() }
        done.wait()
    }

    /// Waits for the work queued so far, then ends the thread. Later calls do nothing.
    func stop() {
        if stopped { return }
        drain()
        stopped = true
        pending.withLock { $0.append(.stop) }
        wake.signal()
    }

    private func run() {
        while true {
            wake.wait()
            let batch = pending.withLock { queued -> [Item] in
                let taken = queued
                queued.removeAll()
                return taken
            }
            for item in batch {
                switch item {
                case .work(let work): work()
                case .stop: return
                }
            }
        }
    }
}
