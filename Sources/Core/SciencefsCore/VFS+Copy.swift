import Foundation
import Synchronization

/// `copy_file_range` inside the mount: a whole-file copy becomes a server-side copy when the destination's service
/// can do one, so no byte passes through this machine. GNU cp calls it with offsets 0 and a huge length, and calls
/// again until it returns 0; anything else (a partial range, a destination already written to, no server-side
/// path) answers EOPNOTSUPP and the kernel streams the bytes through read/write instead.
extension VFS {
    /// The largest count one reply can carry (the FUSE reply field is 32-bit); a bigger copy is reported in pieces
    /// across cp's repeated calls.
    static let copyReplyLimit: UInt64 = 1 << 30

    public func copyFileRange(from inHandle: UInt64, offsetIn: UInt64, to outHandle: UInt64, offsetOut: UInt64,
                              length: UInt64) throws -> UInt64 {
        let source = try openHandle(inHandle)
        guard let target = try openHandle(outHandle) as? WriteHandle else { throw FSError.unsupported }
        let staged = target.staged
        let size = source.attributes.size
        // A later call of the same cp: the server already copied everything; report the rest, then 0 (EOF).
        if let copied = serverCopies.reported(target: outHandle) {
            guard offsetIn == copied.reported, offsetOut == copied.reported else { throw FSError.unsupported }
            let piece = min(copied.total - copied.reported, Self.copyReplyLimit, length)
            serverCopies.advance(target: outHandle, by: piece)
            return piece
        }
        staged.lock.lock()
        let untouched = staged.size == 0 && !staged.unlinked
        staged.lock.unlock()
        guard offsetIn == 0, offsetOut == 0, length >= size, untouched, source.key.source != nil,
              source.key != target.key, stagedFile(source.key) == nil else {
            logger.debug("copy_file_range: not a whole-file copy; the kernel streams it",
                         metadata: ["from": "\(source.key)", "to": "\(target.key)"])
            throw FSError.unsupported
        }
        let backend = try backend(for: target.key)
        let outcome: CopyOutcome
        do {
            outcome = try backend.copy(from: RemoteRef(source: source.key.source ?? "", path: source.key.path),
                                       to: target.key.path)
        } catch {
            throw logged(error, "server-side copy", target.key)
        }
        var attributes: RemoteAttributes
        switch outcome {
        case .copied(let copied):
            attributes = copied
        case .notPossible:
            guard let copied = try thirdPartyCopy(from: source.key, attributes: source.attributes, to: target.key,
                                                  beforeSubmit: { detachPlaceholder(staged) }) else {
                logger.debug("copy_file_range: no server-side path; the kernel streams it",
                             metadata: ["from": "\(source.key)", "to": "\(target.key)"])
                throw FSError.unsupported
            }
            attributes = copied
        }
        if attributes.size == 0 { attributes.size = size }
        // The server holds the bytes now: the empty staged file must not be uploaded over them.
        staged.lock.lock()
        staged.dirty = false
        staged.lock.unlock()
        try staged.truncate(to: 0, now: clock.now())
        staged.lock.lock()
        staged.dirty = false
        staged.lock.unlock()
        serverCopyFinished(staged, attributes: attributes)
        logger.info("server-side copy", metadata: ["from": "\(source.key)", "to": "\(target.key)", "bytes": "\(size)"])
        let piece = min(size, Self.copyReplyLimit)
        serverCopies.start(target: outHandle, total: size, reported: piece)
        return piece
    }

    /// From here on the service writes the destination: the empty placeholder `cp` created must never be uploaded
    /// over it, not even by a restarted daemon resuming the upload journal.
    private func detachPlaceholder(_ staged: StagedFile) {
        staged.lock.lock()
        staged.dirty = false
        staged.lock.unlock()
        if let id = staged.journalID { try? store?.removeUpload(id: id) }
    }

    /// The destination now shows the server's object; the staged placeholder is dropped when the handle closes.
    private func serverCopyFinished(_ staged: StagedFile, attributes: RemoteAttributes) {
        staged.lock.lock()
        staged.serverCopy = attributes
        staged.lock.unlock()
        // Nothing is left to upload: a crash now must not resume an upload of the empty placeholder.
        if let id = staged.journalID { try? store?.removeUpload(id: id) }
        metadata.added(staged.key, attributes: attributes, now: clock.now())
    }
}

/// Per destination handle: how much of a finished server-side copy has been reported to cp so far. A leaf in the
/// lock order (see `VFS`).
final class ServerCopyProgress: Sendable {
    private let copies = Mutex<[UInt64: (total: UInt64, reported: UInt64)]>([:])

    func start(target: UInt64, total: UInt64, reported: UInt64) {
        copies.withLock { $0[target] = (total, reported) }
    }

    func reported(target: UInt64) -> (total: UInt64, reported: UInt64)? {
        copies.withLock { $0[target] }
    }

    func advance(target: UInt64, by n: UInt64) {
        copies.withLock { copies in
            if let c = copies[target] { copies[target] = (c.total, c.reported + n) }
        }
    }

    func finish(target: UInt64) {
        copies.withLock { $0[target] = nil }
    }
}
