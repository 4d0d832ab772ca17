import Foundation
import SciencefsCore
import SciencefsHTTP

/// Checksums for the Core's whole-file verification, and the `user.rucio.*` extended attributes.
extension RucioBackend {
    /// adler32 (and md5 when the DID has one), from the attributes the listing or stat gave, else from the DID.
    public func checksums(of path: RemotePath, attributes: RemoteAttributes) -> [Checksum] {
        guard attributes.kind == .file else { return [] }
        var adler32 = attributes.xattrs["user.rucio.adler32"]
        var md5 = attributes.xattrs["user.rucio.md5"]
        if adler32 == nil && md5 == nil, case .did(let did, _)? = try? RucioLocation(path),
           let record = try? record(did, at: path) {
            adler32 = record.adler32
            md5 = record.md5
        }
        var result: [Checksum] = []
        if let adler32, !adler32.isEmpty { result.append(.adler32(adler32)) }
        if let md5, !md5.isEmpty { result.append(.md5(md5)) }
        return result
    }

    /// The cheap attributes (`scope`, `name`, `did_type`, `bytes`, `adler32`, `md5`), plus `user.rucio.replicas`
    /// (the RSEs holding an AVAILABLE replica, comma-separated, from the replica lookup reads use too) for files
    /// and `user.rucio.meta.<key>` for every non-null metadata value (`GET /dids/{s}/{n}/meta?plugin=ALL`).
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        try mapErrors("getxattr", path) {
            guard case .did(let did, _) = try RucioLocation(path) else { return attributes.xattrs }
            var xattrs = attributes.xattrs
            if xattrs["user.rucio.did_type"] == nil {
                let record = try record(did, at: path)
                xattrs.merge(RucioAttributes.make(record, parentDatasetOpen: nil, fallbackDate: startTime).xattrs) { old, _ in old }
            }
            if xattrs["user.rucio.did_type"] == DIDType.file.rawValue {
                let replicas = try replicaRecord(did, at: path)
                xattrs["user.rucio.replicas"] = Self.availableRSEs(replicas).joined(separator: ",")
            }
            for (key, value) in metadata(did) {
                guard !key.isEmpty, !key.contains("\u{0}"), let text = value.xattrText else { continue }
                xattrs["user.rucio.meta.\(key)"] = text
            }
            return xattrs
        }
    }

    /// DID metadata for `user.rucio.meta.*`: all plugins if the server offers them, else the DID columns. Metadata
    /// is an extra: when the server cannot give it, the other attributes are still answered (with a log line).
    private func metadata(_ did: DID) -> [String: MetaValue] {
        if !metaPluginAllUnavailable.isSet {
            do { return try api.decode([String: MetaValue].self, api.endpoints.meta(did, plugin: "ALL")) } catch {
                metaPluginAllUnavailable.set()
                logger.warning("server refused metadata with plugin=ALL; using DID_COLUMN from now on",
                               metadata: ["source": "\(name)", "error": "\(error)"])
            }
        }
        do { return try api.decode([String: MetaValue].self, api.endpoints.meta(did, plugin: "DID_COLUMN")) } catch {
            logger.warning("DID metadata unavailable; xattrs without user.rucio.meta.*",
                           metadata: ["source": "\(name)", "did": "\(did)", "error": "\(error)"])
            return [:]
        }
    }

    static func availableRSEs(_ record: ReplicaRecord) -> [String] {
        var rses = Set(record.pfns.values.map(\.rse)).union(record.rses.keys)
        rses = rses.filter { record.states[$0].map { $0.uppercased() == "AVAILABLE" } ?? true }
        return rses.sorted()
    }
}
