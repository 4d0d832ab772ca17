import Foundation

/// How the Core checks one source's files against the whole-file checksums its backend publishes
/// (`Backend.checksums`). Set per source (`verify_whole_mb`).
public struct VerificationPolicy: Sendable, Equatable {
    /// Files up to this many bytes are fetched and verified whole before their first byte is served, as
    /// `rucio download` does; larger ones are served as they stream and verified once they have been read fully.
    public var wholeFileLimit: UInt64

    public static let defaultWholeFileLimit: UInt64 = 64 << 20

    public init(wholeFileLimit: UInt64 = VerificationPolicy.defaultWholeFileLimit) {
        self.wholeFileLimit = wholeFileLimit
    }

    /// How a file of `size` bytes with `checksums` is verified; nil when there is nothing to verify against.
    func mode(size: UInt64, checksums: [Checksum]) -> VerifyMode? {
        guard !checksums.isEmpty else { return nil }
        return size <= wholeFileLimit ? .wholeBeforeRead : .onFullRead
    }
}

/// How one file is verified, as `user.sciencefs.verify` shows it.
enum VerifyMode: String, Sendable {
    /// Fetched whole and verified before the first byte is served; reads come from the verified cache.
    case wholeBeforeRead = "whole-before-read"
    /// Served as it streams; verified when every byte has been read (bytes read before that are unverified).
    case onFullRead = "on-full-read"
}
