#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator settings for a long-running server.
///
/// By default glibc hands the free top of each thread's heap back to the kernel as soon as it
/// passes 128 KiB (`M_TRIM_THRESHOLD`, which it only raises as large blocks are freed).
/// A proxy frees and allocates the same few megabytes every second, so its workers' heaps shrank
/// and grew again all the time: `mprotect(2)` and page faults were 6 % of `callwire server`'s
/// processor time at 200 calls/s (perf; strace counted 2.4 `mprotect` calls per proxied call).
/// Keeping up to 64 MiB of free top per heap ends that; the mmap threshold is pinned where glibc's
/// dynamic one tops out (32 MiB), so large buffers still come from the heaps. The price: memory
/// freed after a burst (a flood, a spike of calls) stays with the process, up to 64 MiB per heap.
enum AllocatorTuning {
    /// `mallopt(3)` parameters (`<malloc.h>`, which the Glibc module does not import).
    private static let trimThreshold: Int32 = -1   // M_TRIM_THRESHOLD
    private static let mmapThreshold: Int32 = -3   // M_MMAP_THRESHOLD

    /// Applies the server settings (once, before the workers start). Nothing on other C libraries.
    static func keepFreedMemory() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(trimThreshold, 64 << 20)
        _ = mallopt(mmapThreshold, 32 << 20)
        #endif
    }

    /// Grows the calling thread's heap by `bytes` up front and leaves it free (call on each
    /// worker's thread, after ``keepFreedMemory()``).
    ///
    /// glibc grows a thread's heap (a non-main arena) by exactly what each allocation lacks, so
    /// a worker reaching its working set at 200 calls/s (transactions live 32 s) made one
    /// `mprotect(2)` per new 4 KiB page: strace counted about 400 a second for its first 15 s.
    /// Taking and freeing two 24 MiB blocks (below the mmap threshold, so they come from the
    /// heap) raises the heap's writable size in one go. It stays raised: glibc never lowers it
    /// again (a trim only discards pages, and none happens below the trim threshold above).
    /// The kernel backs pages only as they are used, so the resident size grows only by the
    /// pages the allocator writes its bookkeeping to (no change measurable). A thread heap
    /// holds at most 64 MiB and a later one is unmapped once wholly free, so only the first can
    /// be reserved this way: with 48 MiB, strace counts no `mprotect` in the first 15 s and
    /// about 220 a second in the next 15 s.
    ///
    /// Skipped when glibc is asked to fill memory on allocation and release (`MALLOC_PERTURB_`,
    /// or `glibc.malloc.perturb` in `GLIBC_TUNABLES`): that would write, and so make resident,
    /// all 48 MiB. Under strict overcommit (`vm.overcommit_memory=2`) the reservation counts
    /// against the commit limit like any allocation.
    static func reserveThreadHeap() {
        #if canImport(Glibc)
        if getenv("MALLOC_PERTURB_") != nil { return }
        if let tunables = getenv("GLIBC_TUNABLES"), String(cString: tunables).contains("glibc.malloc.perturb") { return }
        // Through dlsym: the optimiser deletes a malloc/free pair whose memory is never used.
        typealias Allocate = @convention(c) (Int) -> UnsafeMutableRawPointer?
        typealias Release = @convention(c) (UnsafeMutableRawPointer?) -> Void
        guard let allocateSymbol = dlsym(nil, "malloc"), let releaseSymbol = dlsym(nil, "free") else { return }
        let allocate = unsafeBitCast(allocateSymbol, to: Allocate.self)
        let release = unsafeBitCast(releaseSymbol, to: Release.self)
        let block = 24 << 20
        let first = allocate(block), second = allocate(block)
        release(second)
        release(first)
        #endif
    }
}
