import Foundation
import SciencefsStore

/// Provenance xattrs on every file of a source, answered from the Core's own state (the data cache, the
/// verification ledger, the read origins backends report, the backend's own path rules), so reading them costs no
/// request to any service:
///
/// - `user.sciencefs.cached`: what the data cache holds of this version of the file:
///   `"<held> of <size> bytes, complete"`, `"…, partial"` or `"…, not cached"`.
/// - `user.sciencefs.pin`: `1` when the file is pinned in the data cache (`sciencefs pin`), else `0`.
/// - `user.sciencefs.served_from`: the replica, RSE, URL or tape batch the last network read in this mount came
///   from, without credentials; absent until this mount reads the file from its service.
/// - `user.sciencefs.verified` (VFS+Verification): the checksums and time of the last whole-file check.
/// - `user.sciencefs.job`: the id of the job that made the file, when the backend knows it from the path (Agave
///   job outputs).
extension VFS {
    func provenanceAttributes(_ key: NodeKey, attributes: RemoteAttributes) -> [String: String] {
        guard let source = key.source, source != ControlBackend.sourceName, !key.path.isRoot,
              let backend = try? backend(for: key) else { return [:] }
        var all: [String: String] = [:]
        if let job = backend.producingJob(of: key.path) { all["user.sciencefs.job"] = job }
        guard attributes.kind == .file else { return all }
        if let origin = readOrigins.origin(of: key) { all["user.sciencefs.served_from"] = origin }
        if let dataCache {
            let state = dataCache.state(source: source, path: key.path.string, version: Self.version(of: attributes),
                                        size: attributes.size)
            all["user.sciencefs.cached"] = Self.cachedDescription(held: state.bytes, size: attributes.size,
                                                                  complete: state.complete)
            all[Self.pinAttribute] = state.pinned ? "1" : "0"
        }
        return all
    }

    /// `user.sciencefs.cached`'s text.
    static func cachedDescription(held: UInt64, size: UInt64, complete: Bool) -> String {
        let how = complete ? "complete" : held == 0 ? "not cached" : "partial"
        return "\(held) of \(size) bytes, \(how)"
    }
}
