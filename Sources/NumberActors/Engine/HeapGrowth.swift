import CSystemShim

/// How the C allocator grows and shrinks the heap, set once per process before the first recovery.
///
/// Recovery allocates gigabytes in small pieces from several threads (states decoded on all cores, records,
/// index entries) and frees batches of buffers as it goes. With glibc's defaults every thread that allocates
/// gets a heap of its own, grown one page at a time by an `mprotect` that excludes page faults of every other
/// thread meanwhile, and freed memory at the top of the main heap goes back to the kernel, only to be faulted
/// in (and zeroed) again by the next batch: system time was more than half of a 1,000,000-number recovery.
/// So all threads share the main heap (per-thread caches still serve most small allocations without its lock),
/// which grows in 64 MiB steps and is trimmed only past 512 MiB: the engine is a long-lived process that keeps
/// what it recovered.
enum HeapGrowth {
    private static let configured: Void = {
        _ = nn_heap_grow_in_large_steps(1, 64 << 20, 512 << 20)
    }()

    static func configure() { _ = configured }
}
