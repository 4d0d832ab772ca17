import Foundation

/// The bytes of a file while it is being written, as a backend's streaming upload reads them
/// (`Backend.upload(streaming:to:)`): it reads them from the staged file as the writer appends them, waits when it
/// has caught up with the writer, and reaches the end only once `close()` has marked it. The Core knows no HTTP:
/// the backend hands `read(into:)` to its transport as the request body.
///
/// The writer's bytes go to the staged file first (journaled) and are read back from it here, so a crash at any
/// moment leaves them where an upload at close would find them.
///
/// `@unchecked Sendable` because `condition` guards `available`, `sealed`, `abandonment` and `delivered`. A leaf in
/// the lock order (see `VFS`): taken under `StagedFile.lock`, and nothing is taken under it.
public final class UploadStream: @unchecked Sendable {
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

    init(staged: StagedFile) {
        self.staged = staged
    }

    /// Fills `buffer` with the next bytes of the file and returns their count: waits while the reader has caught
    /// up with the writer, returns 0 at the end of a finished file, and throws once the stream is abandoned (the
    /// upload must then fail: the server must not keep what it received).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !buffer.isEmpty else { return 0 }
        condition.lock()
        while delivered == available, !sealed, abandonment == nil { condition.wait() }
        if let why = abandonment {
            condition.unlock()
            throw FSError.io("streamed upload abandoned: \(why)")
        }
        let start = delivered
        // `available` never falls below `delivered` (`seal` refuses a shorter end); the guard keeps a broken
        // promise from trapping the daemon.
        let count = available > start ? Int(min(UInt64(buffer.count), available - start)) : 0
        condition.unlock()
        guard count > 0 else { return 0 }
        let n = try staged.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: start)
        guard n == count else {
            abandon("the staging file ended after \(start + UInt64(n)) of \(start + UInt64(count)) bytes")
            throw FSError.io("streamed upload: the staging file is shorter than what was written")
        }
        condition.lock()
        delivered += UInt64(n)
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
        guard size >= available else {
            // The file shrank under the stream (a truncate it was not told of): what was sent is no longer the file.
            abandonment = "the file was cut to \(size) bytes after \(available) were streamed"
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
}
