import Foundation

public enum NodeKind: String, Sendable, Codable {
    case file
    case directory
}

/// What a backend knows about one remote object, in filesystem terms.
public struct RemoteAttributes: Equatable, Sendable {
    public var kind: NodeKind
    /// Bytes; 0 for directories.
    public var size: UInt64
    public var mtime: Date
    /// Permission bits only (e.g. 0o644); the file-type bits come from `kind`.
    public var permissions: UInt16
    /// Extended attributes the backend exposes without a further request (e.g. `user.rucio.adler32`).
    public var xattrs: [String: String]

    public init(kind: NodeKind, size: UInt64 = 0, mtime: Date = Date(timeIntervalSince1970: 0),
                permissions: UInt16? = nil, xattrs: [String: String] = [:]) {
        self.kind = kind
        self.size = size
        self.mtime = mtime
        self.permissions = permissions ?? (kind == .directory ? 0o755 : 0o644)
        self.xattrs = xattrs
    }

    /// Which server object these attributes describe: a new size or a new server mtime (to the millisecond:
    /// services round it differently between listings and stats) is a new object. Mode and xattrs are not part of
    /// it. The data cache, the verification ledger, the Core's facts and the attribute overlay all use this one rule.
    public var objectVersion: String {
        "\(kind == .file ? size : 0)-\(Int64((mtime.timeIntervalSince1970 * 1000).rounded(.down)))"
    }

    public static func directory(mtime: Date = Date(timeIntervalSince1970: 0), permissions: UInt16 = 0o755) -> RemoteAttributes {
        RemoteAttributes(kind: .directory, size: 0, mtime: mtime, permissions: permissions)
    }
}

/// One row of a directory listing.
public struct RemoteEntry: Equatable, Sendable {
    public var name: String
    public var attributes: RemoteAttributes

    public init(name: String, attributes: RemoteAttributes) {
        self.name = name
        self.attributes = attributes
    }
}
