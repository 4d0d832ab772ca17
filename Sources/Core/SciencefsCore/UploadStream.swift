import Foundation

/// The bytes of a file while it is being written, as a backend's streaming upload reads them
/// (`Backend.upload(streaming:to:)`): it reads them as the writer appends them, waits when it has caught up with the
/// writer, and reaches the end only once `close()` has marked it. The Core knows no HTTP: the backend hands
/// `read(into:)` to its transport as the request body.
///
/// Where the bytes come from: a write that appends lends its own buffer (the FUSE request's) for as long as the write
/// runs (`lend`, `takeBack`), and a reader that has caught up copies from it straight into the transport's buffer,
/// while the write puts the same bytes into the staged file. Bytes the reader did not take in that time (it was
/// behind, or the network was slower than the writer) are read back from the staged file, where every accepted
/// write is (journaled), so a crash at any moment leaves them where an upload at close would find them. Nothing is
/// buffered here: the memory the stream holds is the lent buffers of the writes in progress (at most one per FUSE
/// write in flight), and a writer never waits for the network, only for a copy out of its buffer that has started.
///
/// `@unchecked Sendable` because `condition` guards `available`, `sealed`, `abandonment`, `delivered`, `loans`,
/// `copying`, `nextLoan`, `mostLent` and the two counters; a lent buffer is only read, and only while its loan is in `loans` or
/// being copied. A leaf in the lock order (see `VFS`): taken under `StagedFile.lock`, and nothing is taken under it.
public final class UploadStream: @unchecked Sendable {
    /// A write's buffer, lent while the write runs: bytes `[start, start + bytes.count)` of the file.
    struct Loan {
        let id: Int
        let start: UInt64
        let bytes: UnsafeRawBufferPointer
        var end: UInt64 { start + UInt64(bytes.count) }
    }

    private let staged: StagedFile
    private let condition = NSCondition()
    /// Bytes `[0, available)` are in the staged file.
    private var available: UInt64 = 0
    /// `close()` marked the end: `available` is the whole file.
    private var sealed = false
    /// Why the stream was given up, once it was; the upload at close takes over.
    private var abandonment: String?
    /// Bytes handed to the backend so far.
    private var delivered: UInt64 = 0
    /// The writes in progress that lent their bytes (one, for a single sequential writer).
    private var loans: [Loan] = []
    /// The loan the reader is copying from outside `condition`; its write waits for the copy before it returns.
    private var copying: Int?
    private var nextLoan = 0
    /// Bytes delivered from lent buffers, and read back from the staged file (for the log line of the upload).
    private var bytesFromMemory: UInt64 = 0
    private var bytesFromFile: UInt64 = 0
    /// The most bytes lent at one moment: the memory the stream held (tests check the bound).
    private var mostLent = 0

    init(staged: StagedFile) {
        self.staged = staged
    }

    /// Fills `buffer` with the next bytes of the file and returns their count: waits while the reader has caught
    /// up with the writer, returns 0 at the end of a finished file, and throws once the stream is abandoned (the
    /// upload must then fail: the server must not keep what it received).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let target = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        condition.lock()
        while true {
            if let why = abandonment {
                condition.unlock()
                throw FSError.io("streamed upload abandoned: \(why)")
            }
            if let loan = loans.first(where: { $0.start <= delivered && delivered < $0.end }) {
                // Straight from the writer's buffer: the one copy the daemon makes of these bytes for the upload.
                let from = Int(delivered - loan.start)
                let count = min(buffer.count, loan.bytes.count - from)
                copying = loan.id
                condition.unlock()
                target.copyMemory(from: loan.bytes.baseAddress! + from, byteCount: count)
                condition.lock()
                copying = nil
                delivered += UInt64(count)
                bytesFromMemory += UInt64(count)
                condition.broadcast()
                condition.unlock()
                return count
            }
            if delivered < available { break }
            if sealed {
                condition.unlock()
                return 0
            }
            condition.wait()
        }
        let start = delivered
        let count = Int(min(UInt64(buffer.count), available - start))
        condition.unlock()
        let n = try staged.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: start)
        guard n == count else {
            abandon("the staging file ended after \(start + UInt64(n)) of \(start + UInt64(count)) bytes")
            throw FSError.io("streamed upload: the staging file is shorter than what was written")
        }
        condition.lock()
        delivered += UInt64(n)
        bytesFromFile += UInt64(n)
        condition.unlock()
        return n
    }

    /// True once the stream was given up: the backend stops at its next chance (a transport polls this while it
    /// waits on the network).
    public var isAbandoned: Bool {
        condition.lock()
        defer { condition.unlock() }
        return abandonment != nil
    }

    /// A write appending `bytes` at `offset` lends them to the reader until `takeBack`, which the write must call
    /// before its buffer is reused. Nil when the stream is over (nothing to lend to).
    func lend(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> Loan? {
        guard !bytes.isEmpty else { return nil }
        condition.lock()
        defer { condition.unlock() }
        guard !sealed, abandonment == nil else { return nil }
        nextLoan += 1
        let loan = Loan(id: nextLoan, start: offset, bytes: bytes)
        loans.append(loan)
        mostLent = max(mostLent, loans.reduce(0) { $0 + $1.bytes.count })
        condition.broadcast()
        return loan
    }

    /// The write is done with its buffer: waits for a copy out of it that has started (one memcpy, never the
    /// network), then withdraws it. What the reader did not take, it reads from the staged file.
    func takeBack(_ loan: Loan) {
        condition.lock()
        while copying == loan.id { condition.wait() }
        loans.removeAll { $0.id == loan.id }
        condition.unlock()
    }

    /// The writer appended: bytes up to `end` are in the staged file.
    func produced(upTo end: UInt64) {
        condition.lock()
        if end > available {
            available = end
            condition.broadcast()
        }
        condition.unlock()
    }

    /// `close()`: the file ends at `size`. False if the stream was abandoned first.
    func seal(size: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard abandonment == nil else { return false }
        guard size >= available, size >= delivered else {
            // The file shrank under the stream (a truncate it was not told of): what was sent is no longer the file.
            abandonment = "the file was cut to \(size) bytes after \(max(available, delivered)) were streamed"
            condition.broadcast()
            return false
        }
        available = size
        sealed = true
        condition.broadcast()
        return true
    }

    /// Gives the stream up (a write not at the end, a truncate, a second writer, an unlink): the backend's next read
    /// throws. Too late once sealed: the upload then runs to its end.
    func abandon(_ why: String) {
        condition.lock()
        if !sealed, abandonment == nil {
            abandonment = why
            condition.broadcast()
        }
        condition.unlock()
    }

    var reasonAbandoned: String? {
        condition.lock()
        defer { condition.unlock() }
        return abandonment
    }

    /// Where the delivered bytes came from (lent write buffers, the staged file), and the most bytes lent at once.
    var sources: (memory: UInt64, file: UInt64, mostLent: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (bytesFromMemory, bytesFromFile, mostLent)
    }
}
