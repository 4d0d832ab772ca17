import Foundation

/// Bytes readahead received for one file, held in memory until the data cache has them: the reader is answered from
/// here, so it never waits for the cache disk (`Prefetcher`). A block covers at most `size` bytes and never crosses
/// a multiple of `size`, so the kernel's aligned 1 MiB reads each find their bytes in one block.
///
/// `@unchecked Sendable` because `filled`, `handedOver` and `uncached` are guarded by the owning `Prefetcher.condition`. Only the
/// fetcher that made the block writes its bytes, and only at or past `filled`; bytes below `filled` never change
/// again, so a reader that saw `filled` under the lock reads them without it.
final class LandingBlock: @unchecked Sendable {
    static let size: UInt64 = 1 << 20

    /// The file offset of the first byte.
    let start: UInt64
    /// Bytes the block was made for; `filled` of them have arrived.
    let capacity: Int
    let bytes: UnsafeMutableRawBufferPointer
    var filled = 0
    /// Set once `filled` is final and the block was given to the cache writer.
    var handedOver = false
    /// Set when the data cache did not keep the bytes (full, evicted, or its writer was too far behind): the block
    /// then stays until a reader has passed it.
    var uncached = false

    /// Where `bytes` came from: `LandingMemory` (nil: the heap, when the kernel mapped no more memory).
    private let mapped: UnsafeMutableRawPointer?

    init(start: UInt64, capacity: Int) {
        self.start = start
        self.capacity = capacity
        precondition(capacity <= LandingMemory.bufferSize, "a landing block never exceeds \(LandingBlock.size) bytes")
        mapped = LandingMemory.shared.take()
        bytes = mapped.map { UnsafeMutableRawBufferPointer(start: $0, count: capacity) }
            ?? .allocate(byteCount: max(1, capacity), alignment: 64)
    }

    deinit {
        if let mapped { LandingMemory.shared.give(mapped) } else { bytes.deallocate() }
    }

    /// Where the block must end when it starts at `start` inside a fetch that ends at `limit`.
    static func end(from start: UInt64, limit: UInt64) -> UInt64 {
        min(limit, (start / size + 1) * size)
    }

    /// Called with the owner's lock held: the arrived bytes, as a file range.
    var landed: Range<UInt64> { start..<(start + UInt64(filled)) }
}

/// Part of a `LandingBlock` handed to the FUSE adapter as a read's reply; it keeps the block alive until then.
public struct LandedBytes: @unchecked Sendable {
    let block: LandingBlock
    let offset: Int
    public let count: Int

    /// Runs `body` over the bytes (valid only inside it).
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(rebasing: block.bytes[offset..<(offset + count)]))
    }
}
