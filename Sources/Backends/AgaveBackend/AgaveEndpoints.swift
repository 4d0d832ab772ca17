import SciencefsHTTP

/// Builds Agave URLs (docs/protocols/agave.md §3–4). Every path segment is percent-encoded here, once, so names with
/// space, `%`, `#`, `?`, `+` or non-ASCII characters reach the server intact.
struct AgaveEndpoints: Sendable {
    let baseURL: String

    /// `GET` a page of storage systems.
    func storageSystems(limit: Int, offset: Int) -> String {
        baseURL + "/systems/v2/?type=STORAGE&limit=\(limit)&offset=\(offset)"
    }

    func listing(system: String, path: [String], limit: Int, offset: Int) -> String {
        files("listings", system: system, path: path) + "?limit=\(limit)&offset=\(offset)"
    }

    /// Download, upload (into a directory), manage (PUT) and delete all use the media URL.
    func media(system: String, path: [String]) -> String {
        files("media", system: system, path: path)
    }

    /// The events of one file: where an import's progress shows (`STAGING_QUEUED` … `STAGING_COMPLETED`).
    func history(system: String, path: [String]) -> String {
        files("history", system: system, path: path)
    }

    /// One page of a file's events, oldest first (docs/protocols/agave.md §4.8).
    func history(system: String, path: [String], limit: Int, offset: Int) -> String {
        history(system: system, path: path) + "?limit=\(limit)&offset=\(offset)"
    }

    private func files(_ kind: String, system: String, path: [String]) -> String {
        baseURL + "/files/v2/\(kind)/system/" + PercentEncoding.pathSegment(system) + "/" + PercentEncoding.path(path)
    }
}
