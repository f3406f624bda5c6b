import CSystemShim

/// How the C allocator grows and shrinks the heap, set once per process before the first recovery.
///
/// Recovery allocates gigabytes in small pieces from several threads (states decoded on all cores, records,
/// index entries) and frees batches of buffers as it goes. With glibc's defaults the heap grows a little at a
/// time and freed memory at its top goes back to the kernel, only to be faulted in (and zeroed) again by the
/// next batch: system time was more than half of a 1,000,000-number recovery. The engine is a long-lived
/// process that keeps what it recovered, so the heap grows in large steps and is trimmed only past 512 MiB.
enum HeapGrowth {
    private static let configured: Void = {
        _ = nn_heap_grow_in_large_steps(64 << 20, 512 << 20)
    }()

    static func configure() { _ = configured }
}
