import Foundation

/// Rucio's deterministic `hash` lfn2pfn algorithm (rucio/rse/translation.py): the path of `scope:name` under an
/// RSE's prefix is `<scope>/<md5[0:2]>/<md5[2:4]>/<name>` with `md5 = md5("scope:name")`, where scopes starting
/// with `user` or `group` (no dot needed, as in the original) have their dots replaced by `/` (`user.alice` → `user/alice`).
public enum LFN2PFN {
    public static func hashPath(scope: String, name: String) -> String {
        let digest = MD5.hex("\(scope):\(name)")
        let hashed = Array(digest)
        var scopePath = scope
        if scope.hasPrefix("user") || scope.hasPrefix("group") {
            scopePath = scope.replacingOccurrences(of: ".", with: "/")
        }
        return "\(scopePath)/\(String(hashed[0..<2]))/\(String(hashed[2..<4]))/\(name)"
    }
}
