import SciencefsCore

/// Maps a file's `nativePermissions` (`rwxr-x---`, docs/protocols/tapis.md §5.1) to POSIX mode bits.
///
/// The owner bits are taken as they are. Group and other keep their r and x bits but never w: the mount is private to
/// its user, and advertising group write would be a lie about people the service tells us nothing of. A missing or
/// malformed string gives a readable (and, for a directory, enterable) owner-writable entry: 0644 / 0755, as the
/// Tapis files service creates them.
enum TapisPermissions {
    static func mode(_ native: String?, kind: NodeKind) -> UInt16 {
        let fallback: UInt16 = kind == .directory ? 0o755 : 0o644
        guard let native else { return fallback }
        let letters = Array(native.utf8.suffix(9))
        guard letters.count == 9 else { return fallback }
        var mode: UInt16 = 0
        for (index, letter) in letters.enumerated() {
            let expected: UInt8 = [UInt8(ascii: "r"), UInt8(ascii: "w"), UInt8(ascii: "x")][index % 3]
            let allowed = letter == expected || (index % 3 == 2 && (letter == UInt8(ascii: "s") || letter == UInt8(ascii: "t")))
            guard allowed || letter == UInt8(ascii: "-") || letter == UInt8(ascii: "S") || letter == UInt8(ascii: "T") else {
                return fallback
            }
            if allowed { mode |= 1 << UInt16(8 - index) }
        }
        return mode & ~0o022
    }
}
