import Foundation
import SciencefsCore

/// Where a deterministic RSE keeps a file, computed locally as `rucio upload` does (docs/protocols/rucio.md §6.4): the
/// protocol's `scheme://hostname:port`, its prefix (forced to start and end with `/`), then the path the RSE's
/// `lfn2pfn_algorithm` gives.
///
/// - `hash` (Rucio's default, also used for `default`/absent): `<scope>/<md5("scope:name")[0:2]>/<md5[2:4]>/<name>`
/// - `identity`: `<scope>/<name>`
///
/// In both, a scope starting with `user` or `group` has its dots turned into slashes (`user.alice` → `user/alice`).
/// Other algorithms are site plugins we cannot reproduce: the caller asks the server (`lfns2pfns`) instead.
public enum DeterministicPFN {
    public enum Algorithm: Equatable, Sendable {
        case hash
        case identity

        /// nil for an algorithm only the server knows.
        public init?(name: String?) {
            switch name?.lowercased() {
            case nil, "", "default", "hash": self = .hash
            case "identity": self = .identity
            default: return nil
            }
        }
    }

    /// The path below the prefix (no leading slash).
    public static func path(scope: String, name: String, algorithm: Algorithm) -> String {
        let scopePath = scope.hasPrefix("user") || scope.hasPrefix("group")
            ? scope.replacingOccurrences(of: ".", with: "/") : scope
        switch algorithm {
        case .identity:
            return "\(scopePath)/\(name)"
        case .hash:
            let digest = ChecksumCalculator.compute(Data("\(scope):\(name)".utf8)).md5
            let chars = Array(digest)
            return "\(scopePath)/\(String(chars[0..<2]))/\(String(chars[2..<4]))/\(name)"
        }
    }

    /// The full PFN on one protocol of an RSE.
    public static func pfn(scheme: String, hostname: String, port: Int, prefix: String?,
                           scope: String, name: String, algorithm: Algorithm) -> String {
        var normalizedPrefix = prefix ?? ""
        if !normalizedPrefix.hasPrefix("/") { normalizedPrefix = "/" + normalizedPrefix }
        if !normalizedPrefix.hasSuffix("/") { normalizedPrefix += "/" }
        return "\(scheme)://\(hostname):\(port)\(normalizedPrefix)\(path(scope: scope, name: name, algorithm: algorithm))"
    }
}
