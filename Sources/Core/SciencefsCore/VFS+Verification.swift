import Foundation
import SciencefsStore

/// Checksum verification of reads: no byte that fails the service's whole-file checksum reaches a reader
/// without an error.
///
/// - A file up to the source's `VerificationPolicy.wholeFileLimit` is fetched whole into the data cache and
///   verified at its first read, before any byte is served (as `rucio download` does); its reads then come from
///   the verified cache. This happens at the first read rather than at `open`, so an open that reads nothing
///   (`touch`-like probes, `open(O_NONBLOCK)` of a tape file, a program that opens many files and reads a few)
///   costs no download, and the wait falls on the read that needs the bytes anyway.
/// - A larger file is served as it streams and verified once every byte has been read.
/// - Either way, a mismatch evicts the cached bytes, is logged once, and is remembered in the `VerificationLedger`
///   for that version of the file: every later open and read fails with EIO until `user.sciencefs.refresh` or
///   until the server's object changes.
extension VFS {
    /// The data cache's version string of a file: a new size or server mtime is a new version.
    static func version(of attributes: RemoteAttributes) -> String { attributes.objectVersion }

    func ledgerKey(_ key: NodeKey, attributes: RemoteAttributes) -> VerificationLedger.Key {
        VerificationLedger.Key(node: key, version: Self.version(of: attributes))
    }

    /// At open for reading: the checksums to check and when, or EIO if this version is already known corrupt.
    func verificationPlan(_ key: NodeKey, attributes: RemoteAttributes) throws -> ([Checksum], VerifyMode?) {
        guard key.source != nil, attributes.kind == .file else { return ([], nil) }
        let backend = try backend(for: key)
        let checksums = backend.checksums(of: key.path, attributes: attributes)
        let mode = backend.verificationPolicy.mode(size: attributes.size, checksums: checksums)
        if mode != nil, case .corrupt(let why)? = verification.state(ledgerKey(key, attributes: attributes)) {
            throw FSError.corrupt(why)
        }
        return (checksums, mode)
    }

    /// `user.sciencefs.verify` (when the file is checked) and `user.sciencefs.verified`: the checksums and time of the
    /// last whole-file check that passed (`adler32:0a1b2c3d md5:… at 2026-12-05T21:30:00Z`), `corrupt` after a
    /// mismatch, `no` while this version of the file has not been checked in this mount.
    func verificationAttributes(_ key: NodeKey, attributes: RemoteAttributes) -> [String: String] {
        guard key.source != nil, attributes.kind == .file, let backend = try? backend(for: key) else { return [:] }
        let checksums = backend.checksums(of: key.path, attributes: attributes)
        guard let mode = backend.verificationPolicy.mode(size: attributes.size, checksums: checksums) else { return [:] }
        let state: String
        switch verification.state(ledgerKey(key, attributes: attributes)) {
        case .verified(let checked)?: state = Self.verifiedDescription(checked)
        case .corrupt?: state = "corrupt"
        case nil: state = "no"
        }
        return ["user.sciencefs.verify": mode.rawValue, "user.sciencefs.verified": state]
    }

    /// Called under the handle's read lock before every read: refuses a file known corrupt (by any handle), and
    /// verifies a whole-before-read file the first time this handle reads it.
    func checkIntegrity(_ file: ReadHandle) throws {
        if let failure = file.verificationFailure { throw failure }
        guard let mode = file.verifyMode else { return }
        let key = ledgerKey(file.key, attributes: file.attributes)
        if case .corrupt(let why)? = verification.state(key) {
            file.verificationFailure = .corrupt(why)
            throw FSError.corrupt(why)
        }
        guard mode == .wholeBeforeRead, !file.verifiedWhole else { return }
        do {
            try verification.exclusively(key) {
                let complete = file.cacheObject?.isComplete(size: file.attributes.size) ?? false
                switch verification.state(key) {
                case .corrupt(let why)?: throw FSError.corrupt(why)
                case .verified? where complete: return
                default: break
                }
                if complete, let object = file.cacheObject {
                    // Cached by an earlier session or handle: check the local bytes (no download).
                    try verifyChecksums(file, object: object)
                } else {
                    try fetchWholeAndVerify(file)
                }
            }
        } catch let error as FSError {
            if case .corrupt = error { file.verificationFailure = error }
            throw error
        }
        file.verifiedWhole = true
    }

    /// Streams the whole file once, checksumming it as it arrives and keeping it in the data cache; the verdict
    /// does not depend on the cache keeping every byte (a full cache only means later reads go to the network).
    private func fetchWholeAndVerify(_ file: ReadHandle) throws {
        let size = file.attributes.size
        let backend = try backend(for: file.key)
        var accumulator = ChecksumAccumulator(for: file.checksums)
        var cursor: UInt64 = 0
        var cacheUsable = file.cacheObject != nil
        do {
            _ = try backend.read(file.key.path, offset: 0, length: size) { chunk in
                accumulator.update(chunk)
                if cacheUsable, let object = file.cacheObject {
                    do { cacheUsable = try object.write(at: cursor, bytes: chunk) } catch {
                        cacheUsable = false
                        logger.warning("data cache write failed; the file is verified but read from the network",
                                       metadata: ["path": "\(file.key)", "error": "\(error)"])
                    }
                }
                cursor += UInt64(chunk.count)
            }
        } catch {
            throw logged(error, "read", file.key)
        }
        guard cursor == size else {
            throw logged(FSError.io("\(file.key) ended after \(cursor) of \(size) bytes"), "read", file.key)
        }
        try judge(file, actual: accumulator.finish())
    }

    /// The object is complete (by this read's fetch, by readahead, or already at open): verify it the first time a
    /// handle sees that, unless this version is already known good. A cache that was complete at open is not
    /// trusted on that ground alone: readahead may have completed it after the last read of an earlier handle.
    func verifyIfNewlyComplete(_ file: ReadHandle, size: UInt64) throws {
        guard !file.checkedComplete, let object = file.cacheObject, object.isComplete(size: size) else { return }
        file.checkedComplete = true
        guard file.verifyMode != nil, !file.verifiedWhole else { return }
        if verification.state(ledgerKey(file.key, attributes: file.attributes))?.isVerified == true { return }
        do { try verifyChecksums(file, object: object) } catch {
            file.verificationFailure = FSError.from(error)
            throw error
        }
    }

    /// The file is complete in the cache: check it against the checksums the service published.
    private func verifyChecksums(_ file: ReadHandle, object: CachedObject) throws {
        guard !file.checksums.isEmpty else { return }
        let actual = try object.withFileDescriptor { fd in
            try ChecksumCalculator.compute(fileDescriptor: fd, length: file.attributes.size, for: file.checksums)
        }
        try judge(file, actual: actual)
    }

    /// Records the verdict for this version of the file; a mismatch evicts the bytes, logs one line and throws.
    private func judge(_ file: ReadHandle, actual: ChecksumCalculator.Result) throws {
        let key = ledgerKey(file.key, attributes: file.attributes)
        guard let bad = ChecksumCalculator.mismatch(expected: file.checksums, actual: actual) else {
            verification.record(key, .verified(.init(checksums: file.checksums, at: clock.now())))
            logger.debug("checksums verified", metadata: ["path": "\(file.key)", "expected": "\(file.checksums)"])
            return
        }
        try? dataCache?.remove(source: file.key.source ?? "", path: file.key.path.string)
        let why = "checksum mismatch for \(file.key): expected \(bad.expected), computed \(bad.actual)"
        verification.record(key, .corrupt(why))
        logger.error("checksum mismatch: cached bytes evicted; every read fails with EIO until refreshed or changed",
                     metadata: ["path": "\(file.key)", "expected": "\(bad.expected)", "computed": "\(bad.actual)"])
        throw FSError.corrupt(why)
    }
}

extension VFS {
    /// `user.sciencefs.verified`'s text for a passed check: each checksum as `algorithm:value`, then the time (UTC).
    static func verifiedDescription(_ checked: VerificationLedger.CheckedChecksums) -> String {
        checked.checksums.map(\.description).joined(separator: " ") + " at " + ISO8601DateFormatter().string(from: checked.at)
    }
}
