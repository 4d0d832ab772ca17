import BackendKit
import SciencefsCore

/// Per-path freshness and extended attributes for `jobs/`.
extension AgaveBackend {
    /// The cache policy for one path: the source's policy outside `jobs/`; inside a job, `activeTTL` while the
    /// job runs and `finishedTTL` once it has ended (its outputs no longer change); for `jobs/` and the filter
    /// directories at most `activeTTL`. Decided from what the backend already knows, without a request: a job
    /// never seen yet counts as running.
    ///
    /// The Core's `Backend` protocol does not ask for this yet (its CachePolicy is per source); once it has a
    /// `cachePolicy(for:)` requirement with a default of `cachePolicy`, this method is the Agave answer.
    public func cachePolicy(for path: RemotePath) -> CachePolicy {
        guard case .jobs(let components)? = try? AgaveLocation(path),
              let location = try? JobTreeLocation(components) else { return cachePolicy }
        let caching = configuration.jobCaching
        switch location {
        case .job(let directory, _):
            let terminal = jobRegistry.known(directory: directory)?.summary.isTerminal ?? false
            return caching.policy(terminal: terminal, base: cachePolicy)
        case .jobList, .statusFilters, .appFilters:
            return caching.listPolicy(base: cachePolicy)
        }
    }

    /// Job paths carry the job's `user.agave.job.*` names, refreshed per the job caching; elsewhere the
    /// attributes' own xattrs (the protocol's default).
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        guard case .jobs(let components)? = try? AgaveLocation(path),
              case .job(let directory, _)? = try? JobTreeLocation(components) else { return attributes.xattrs }
        return try mapErrors("xattrs", path) {
            attributes.xattrs.merging(try jobExtendedAttributes(directory: directory)) { _, fresh in fresh }
        }
    }
}
