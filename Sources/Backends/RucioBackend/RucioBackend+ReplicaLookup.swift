import Foundation
import SciencefsCore

/// Replica lookups (`POST /replicas/list`), batched per dataset: a file's replicas are asked for together with
/// those of its siblings, because whoever reads one file of a dataset usually reads the others next. A dataset of
/// 2,000 files then costs 10 lookups, not 2,000. The answers are kept by the Core (`NodeFacts`) for its TTL, one
/// per file path, so a refresh, a change or a removal seen by the Core drops them.
extension RucioBackend {
    /// DIDs per `POST /replicas/list`: the reply streams one record (about 0.5 KiB) per file, so a request stays
    /// around 100 KiB, well within what the server and its proxies take, and 2,000 files need 10 requests.
    static let replicaBatchSize = 200

    /// The replica record of the file at `path`: the Core's copy while fresh, else one lookup that also brings in
    /// the siblings that come after it in its dataset (by name, wrapping around) and are not known yet.
    /// `listingSiblings`: fetch the dataset's listing when it is not at hand (worth it for reads, which come in
    /// runs; an xattr lookup then asks for the one file, or for the siblings its dataset's listing already shows).
    func replicaRecord(_ did: DID, at path: RemotePath, listingSiblings: Bool = false) throws -> ReplicaRecord {
        if let known = facts.value(ReplicaRecord.self, at: path) { return known }
        var wanted: [DID: RemotePath] = [did: path]
        let siblings = siblings(of: path, wanting: Self.replicaBatchSize - 1, fetchingListing: listingSiblings)
        for (sibling, siblingPath) in siblings where wanted[sibling] == nil {
            wanted[sibling] = siblingPath
        }
        let body = ReplicaListRequest(dids: wanted.keys.map { .init(scope: $0.scope, name: $0.name) },
                                      schemes: Self.replicaSchemes,
                                      client_location: configuration.site.map { .init(site: $0) })
        var found: ReplicaRecord?
        try api.stream(ReplicaRecord.self, api.endpoints.replicasList, method: .post, body: .json(body)) { record in
            let recordDID = DID(scope: record.scope, name: record.name)
            if recordDID == did { found = record }
            if let recordPath = wanted[recordDID] { facts.set(record, at: recordPath) }
        }
        guard let found else { throw FSError.notFound }
        return found
    }

    /// Forgets the replica list of the file at `path` (after every replica failed: it may be out of date).
    func forgetReplicas(at path: RemotePath) {
        facts.remove(ReplicaRecord.self, at: path)
    }

    /// Up to `limit` other files of the dataset `path` is in, whose replicas are not known yet: those after it by
    /// file name, then from the start. From the dataset's children (a Core fact, usually already there: the
    /// dataset's listing or the file's own `stat` fetched them), fetched if missing only when `fetchingListing`. Nothing when `path`
    /// is not inside a collection or the listing fails; the lookup then asks for the one file.
    private func siblings(of path: RemotePath, wanting limit: Int, fetchingListing: Bool) -> [(DID, RemotePath)] {
        guard limit > 0, case .did(_, .collection(let parent))? = try? RucioLocation(path) else { return [] }
        guard let listing = fetchingListing ? try? listing(of: parent, at: path.parent)
                : facts.value(ChildListing.self, at: path.parent) else { return [] }
        let names = listing.entries.filter { $0.value.type == .file }.keys.sorted()
        let own = names.firstIndex { $0 >= path.name } ?? names.endIndex
        let directory = path.parent
        var out: [(DID, RemotePath)] = []
        for name in names[own...] + names[..<own] where name != path.name {
            guard out.count < limit else { break }
            let siblingPath = directory.appending(name)
            guard let child = listing.entries[name], facts.value(ReplicaRecord.self, at: siblingPath) == nil else { continue }
            out.append((child.did, siblingPath))
        }
        return out
    }
}
