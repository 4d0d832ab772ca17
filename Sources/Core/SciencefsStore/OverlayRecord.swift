import GRDB

/// A point in time as the kernel gives it: whole seconds and nanoseconds (a `Date` cannot hold nanoseconds exactly).
public struct Timestamp: Equatable, Hashable, Sendable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
}

/// One row of the attribute overlay: mode and times a user set through the mount, and the server object they were
/// set against. See `Migrations.attributeOverlay`.
public struct OverlayRecord: Equatable, Sendable {
    public var source: String
    public var path: String
    /// Permission bits (0o7777), or nil when the server's mode stands.
    public var mode: UInt16?
    public var mtime: Timestamp?
    public var atime: Timestamp?
    /// The server's size and mtime (seconds since 1970) when the row was bound; nil while not yet bound.
    public var serverSize: UInt64?
    public var serverMtime: Double?

    public init(source: String, path: String, mode: UInt16? = nil, mtime: Timestamp? = nil, atime: Timestamp? = nil,
                serverSize: UInt64? = nil, serverMtime: Double? = nil) {
        self.source = source
        self.path = path
        self.mode = mode
        self.mtime = mtime
        self.atime = atime
        self.serverSize = serverSize
        self.serverMtime = serverMtime
    }

    /// Nothing left to show: the row can go.
    public var isEmpty: Bool { mode == nil && mtime == nil && atime == nil }
}

extension MetadataStore {
    /// Every overlay row (they are few: only what users changed by hand), for loading into memory at mount.
    public func overlays() throws -> [OverlayRecord] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT source, path, mode, mtimeSeconds, mtimeNanoseconds, atimeSeconds, atimeNanoseconds,
                       serverSize, serverMtime FROM attribute_overlay
                """).map { row in
                func time(_ s: String, _ n: String) -> Timestamp? {
                    guard let seconds: Int64 = row[s] else { return nil }
                    return Timestamp(seconds: seconds, nanoseconds: row[n] ?? 0)
                }
                let mode: Int? = row["mode"]
                let size: Int64? = row["serverSize"]
                return OverlayRecord(source: row["source"], path: row["path"], mode: mode.map { UInt16(truncatingIfNeeded: $0) },
                                     mtime: time("mtimeSeconds", "mtimeNanoseconds"),
                                     atime: time("atimeSeconds", "atimeNanoseconds"),
                                     serverSize: size.map { UInt64(max(0, $0)) }, serverMtime: row["serverMtime"])
            }
        }
    }

    /// Writes `record`, or deletes its row when it holds nothing.
    public func saveOverlay(_ record: OverlayRecord) throws {
        try StorePath.validate(record.path)
        try database.write { db in
            if record.isEmpty {
                try db.execute(sql: "DELETE FROM attribute_overlay WHERE source = ? AND path = ?",
                               arguments: [record.source, record.path])
                return
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO attribute_overlay (source, path, mode, mtimeSeconds, mtimeNanoseconds,
                    atimeSeconds, atimeNanoseconds, serverSize, serverMtime) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.source, record.path, record.mode.map { Int($0) }, record.mtime?.seconds,
                                 record.mtime.map { Int($0.nanoseconds) }, record.atime?.seconds,
                                 record.atime.map { Int($0.nanoseconds) }, record.serverSize.map { Int64(clamping: $0) },
                                 record.serverMtime])
        }
    }

    /// Drops the rows of `path` and everything beneath it (a removed node).
    public func removeOverlays(source: String, path: String) throws {
        try StorePath.validate(path)
        let (lower, upper) = StorePath.descendantBounds(of: path)
        try database.write { db in
            try db.execute(sql: "DELETE FROM attribute_overlay WHERE source = ? AND (path = ? OR (path > ? AND path < ?))",
                           arguments: [source, path, lower, upper])
        }
    }

    /// Moves the rows of `from` and everything beneath it to `to` (a rename), replacing what `to` had. Moved rows
    /// are unbound: they are bound again to what the server shows after the move.
    public func renameOverlays(source: String, from: String, to: String) throws {
        try StorePath.validate(from)
        try StorePath.validate(to)
        let (lower, upper) = StorePath.descendantBounds(of: from)
        let (toLower, toUpper) = StorePath.descendantBounds(of: to)
        try database.write { db in
            try db.execute(sql: "DELETE FROM attribute_overlay WHERE source = ? AND (path = ? OR (path > ? AND path < ?))",
                           arguments: [source, to, toLower, toUpper])
            // substr/length count characters on both sides, so the suffix arithmetic is consistent.
            try db.execute(sql: """
                UPDATE attribute_overlay SET path = :to || substr(path, length(:from) + 1),
                                             serverSize = NULL, serverMtime = NULL
                WHERE source = :source AND (path = :from OR (path > :lower AND path < :upper))
                """, arguments: ["to": to, "from": from, "source": source, "lower": lower, "upper": upper])
        }
    }
}
