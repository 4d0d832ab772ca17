import Foundation

/// A mount's identity: a stable id derived from its absolute mountpoint, naming its cache directory
/// `<cache root>/<id>/`, so that a remount of the same place finds its metadata again.
struct MountIdentity {
    let mountpoint: String
    let id: String

    init(mountpoint: String) {
        let absolute = URL(fileURLWithPath: mountpoint).standardizedFileURL.resolvingSymlinksInPath().path
        self.mountpoint = absolute
        // FNV-1a 64: stable across runs and Swift versions, unlike Hasher.
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in absolute.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let leaf = URL(fileURLWithPath: absolute).lastPathComponent
            .filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        self.id = "\(leaf.isEmpty ? "root" : leaf)-\(String(hash, radix: 16))"
    }

    func cacheDirectory(root: URL) -> URL { root.appendingPathComponent(id) }
}
