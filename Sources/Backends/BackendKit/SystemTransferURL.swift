import SciencefsCore
import SciencefsHTTP

/// Where a third-party copy service (FTS3) reaches a file of a systems tree (Agave, Tapis): the system's configured
/// base URL (`transfer_urls`) joined with the percent-encoded path. Job outputs, system roots and systems without a
/// configured URL have none.
public enum SystemTransferURL {
    public static func of(_ path: RemotePath, in baseURLs: [String: String]) -> String? {
        guard case .system(let id, let components)? = try? SystemsTreeLocation(path), !components.isEmpty,
              var base = baseURLs[id] else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/" + components.map(PercentEncoding.pathSegment).joined(separator: "/")
    }
}
