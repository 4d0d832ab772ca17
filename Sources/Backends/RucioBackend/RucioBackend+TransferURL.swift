import Foundation
import SciencefsCore

extension RucioBackend {
    /// A file DID's best replica PFN (the same ranking reads use), which FTS3 reads from directly. Collections have
    /// none, and Rucio is not a destination for third-party copies here: new files need a replica registered.
    public func transferURL(of path: RemotePath) throws -> String? {
        try mapErrors("transfer URL", path) {
            guard case .did(let did, _)? = try? RucioLocation(path) else { return nil }
            // A DID that does not exist yet (a copy's destination) has no replica to offer.
            guard (try? stat(path))?.kind == .file else { return nil }
            let replicas = try replicaRecord(did, at: path)
            return selector.order(replicas, recentlyFailed: failures.recentlyFailed()).first?.url
        }
    }
}
