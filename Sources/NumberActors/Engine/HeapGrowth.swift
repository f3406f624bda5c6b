import CSystemShim

/// How the C allocator grows the heap, tuned for recovery.
///
/// Recovery allocates gigabytes in small pieces from several threads (states decoded on all cores, records,
/// index entries) and frees batches of buffers as it goes. With glibc's defaults every thread that allocates
/// gets a heap of its own, grown one page at a time by an `mprotect` that stalls the page faults of every other
/// thread meanwhile, and freed memory at the top of the main heap goes back to the kernel, only to be faulted
/// in (and zeroed) again by the next batch: system time was more than half of a 1,000,000-number recovery.
/// So while recovery runs, the threads that start allocating share at most four heaps (one heap for all of
/// them made a lock convoy on two cores: 50,000 context switches and a recovery a third slower, one run in
/// two); the main heap grows in 64 MiB steps and is trimmed only past 512 MiB for the life of the process (a
/// long-lived one, that keeps what it recovered). After recovery the limit on heaps is lifted again: fewer
/// heaps made snapshots, which allocate on every core, slower.
enum HeapGrowth {
    private static let configured: Void = {
        _ = nn_heap_grow_in_large_steps(64 << 20, 512 << 20)
    }()

    /// Runs `body` (a recovery) with the heap tuned for it.
    static func duringRecovery<T>(_ body: () throws -> T) rethrows -> T {
        _ = configured
        _ = nn_heap_limit_arenas(4)
        defer { _ = nn_heap_limit_arenas(0) }
        return try body()
    }
}
