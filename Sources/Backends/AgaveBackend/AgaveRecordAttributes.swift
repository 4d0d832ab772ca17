import BackendKit
import Foundation
import SciencefsCore

extension AgaveFileRecord {
    /// The `.` row Agave puts first in a directory's listing (and `..`, which it may also emit).
    var isSelfOrParent: Bool { name == "." || name == ".." }

    /// Filesystem attributes of this row: `length` → size (0 for directories), `lastModified` → mtime,
    /// `permissions` → mode bits (see `AgavePermissions`).
    var attributes: RemoteAttributes {
        let kind: NodeKind = isDirectory ? .directory : .file
        return RemoteAttributes(kind: kind,
                                size: kind == .file ? (length?.unsigned ?? 0) : 0,
                                mtime: lastModified.flatMap(ISOTimestamp.parse) ?? Date(timeIntervalSince1970: 0),
                                permissions: AgavePermissions.mode(permissions, kind: kind))
    }
}

extension AgaveSystemSummary {
    /// A storage system appears as a directory; its listing holds the system's root.
    var attributes: RemoteAttributes {
        .directory(mtime: lastModified.flatMap(ISOTimestamp.parse) ?? Date(timeIntervalSince1970: 0))
    }
}

/// The JSON body of `PUT /files/v2/media/…` (docs/protocols/agave.md §4.6).
struct AgaveManageAction: Encodable {
    let action: String
    let path: String
}
