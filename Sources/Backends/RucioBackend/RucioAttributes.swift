import Foundation
import SciencefsCore

/// How DIDs look as files and directories.
///
/// Modes: a file is 0644, or 0444 when the dataset it is listed in is closed (Rucio files are immutable, but an
/// open dataset still takes new files). A collection is 0755, or 0555 when closed (a closed dataset refuses new
/// files). Where a reply does not say whether a collection is open (a container's children, a scope's
/// top-level listing) it shows 0755 until its own stat (`GET /dids/{scope}/{name}`) says otherwise.
/// mtime: the DID's `updated_at` (else `created_at`) when the server sends it, else the time the source was
/// mounted, so it stays stable between calls.
enum RucioAttributes {
    static func make(_ record: DIDRecord, parentDatasetOpen: Bool?, fallbackDate: Date) -> RemoteAttributes {
        let mtime = record.updatedAt ?? record.createdAt ?? fallbackDate
        var xattrs: [String: String] = [
            "user.rucio.scope": record.scope,
            "user.rucio.name": record.name,
            "user.rucio.did_type": record.type.rawValue,
        ]
        if let bytes = record.bytes { xattrs["user.rucio.bytes"] = String(bytes) }
        if let adler32 = record.adler32, !adler32.isEmpty { xattrs["user.rucio.adler32"] = adler32 }
        if let md5 = record.md5, !md5.isEmpty { xattrs["user.rucio.md5"] = md5 }
        switch record.type {
        case .file:
            let mode: UInt16 = parentDatasetOpen == false ? 0o444 : 0o644
            return RemoteAttributes(kind: .file, size: record.bytes ?? 0, mtime: mtime, permissions: mode, xattrs: xattrs)
        case .dataset, .container:
            let mode: UInt16 = record.open == false ? 0o555 : 0o755
            return RemoteAttributes(kind: .directory, size: 0, mtime: mtime, permissions: mode, xattrs: xattrs)
        }
    }
}
