import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

extension AgaveBackend {
    /// A file on a system whose storage is configured as reachable by FTS3 (`transfer_urls`), see `SystemTransferURL`.
    public func transferURL(of path: RemotePath) throws -> String? {
        SystemTransferURL.of(path, in: configuration.transferURLs)
    }
}
