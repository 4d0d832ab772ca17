import Foundation
import SciencefsCore
import SciencefsHTTP

extension AgaveBackend {
    /// A file on a system whose storage is configured as reachable by FTS3 (`transfer_urls`): the system's base URL
    /// joined with the percent-encoded path. Job outputs and systems without a configured URL have none.
    public func transferURL(of path: RemotePath) throws -> String? {
        guard case .system(let id, let components)? = try? AgaveLocation(path), !components.isEmpty,
              var base = configuration.transferURLs[id] else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/" + components.map(PercentEncoding.pathSegment).joined(separator: "/")
    }
}
