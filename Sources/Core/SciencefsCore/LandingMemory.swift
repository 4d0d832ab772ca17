import Foundation
import Synchronization

/// The memory `LandingBlock`s hold bytes in: 1 MiB buffers mapped straight from the kernel, and a few kept for
/// reuse. Taken from malloc, freed 1 MiB buffers stayed in its arenas: with 8 files read at once the daemon's peak
/// resident memory grew to 520–690 MiB, although at most about 80 MiB of blocks were alive at any moment. Mapped
/// buffers go back to the kernel when more than `spares` wait for reuse, so the peak is what is alive plus the spares;
/// the spares keep reuse free of page faults.
final class LandingMemory: Sendable {
    static let shared = LandingMemory(spares: 8)

    /// The size of every buffer.
    static let bufferSize = Int(LandingBlock.size)

    private let spares: Int
    /// Buffers waiting for reuse, as addresses (a raw pointer is not `Sendable`).
    private let free = Mutex<[UInt]>([])

    init(spares: Int) {
        self.spares = spares
    }

    /// A buffer of `bufferSize` bytes; nil only if the kernel maps no more memory.
    func take() -> UnsafeMutableRawPointer? {
        if let address = free.withLock({ $0.popLast() }) { return UnsafeMutableRawPointer(bitPattern: address) }
        let mapped = mmap(nil, Self.bufferSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else { return nil }
        return mapped
    }

    /// Gives back a buffer from `take`.
    func give(_ buffer: UnsafeMutableRawPointer) {
        let kept = free.withLock { list -> Bool in
            guard list.count < spares else { return false }
            list.append(UInt(bitPattern: buffer))
            return true
        }
        if !kept { munmap(buffer, Self.bufferSize) }
    }
}
