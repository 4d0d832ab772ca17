import Foundation
import GRDB

/// What the store remembers about one remote file or directory. Plain values, so the Core can keep its own
/// types and the store never learns what a backend is.
public struct NodeRecord: Equatable, Sendable {
    /// The source (configured service instance) this node belongs to.
    public var source: String
    /// "/a/b" within the source; "/" is the source root.
    public var path: String
    public var isDirectory: Bool
    /// Size in bytes.
    public var size: Int64
    /// Modification time, seconds since the Unix epoch.
    public var mtime: Double
    /// POSIX permission bits (e.g. 0o644).
    public var permissions: Int
    /// Extended attributes the backend reports (name → value), kept as JSON text in the database.
    public var xattrs: [String: String]
    /// When this record was fetched from the service, seconds since the Unix epoch; 0 means "known stale".
    public var fetchedAt: Double

    public init(source: String, path: String, isDirectory: Bool, size: Int64, mtime: Double, permissions: Int,
                xattrs: [String: String] = [:], fetchedAt: Double) {
        self.source = source
        self.path = path
        self.isDirectory = isDirectory
        self.size = size
        self.mtime = mtime
        self.permissions = permissions
        self.xattrs = xattrs
        self.fetchedAt = fetchedAt
    }
}

extension NodeRecord {
    /// The column list every node query selects, in the order `init(row:)` reads them.
    static let selectColumns = "source, path, isDirectory, size, mtime, permissions, xattrs, fetchedAt"

    /// Reads a row selected with `selectColumns` (by index: 10,000-row listings are read in one go).
    init(row: Row) throws {
        let xattrsText: String? = row[6]
        self.init(source: row[0], path: row[1], isDirectory: row[2], size: row[3], mtime: row[4],
                  permissions: row[5], xattrs: try NodeRecord.decodeXattrs(xattrsText), fetchedAt: row[7])
    }

    /// Most nodes have no xattrs; storing NULL for them keeps big listings cheap to write and read.
    static func encodeXattrs(_ xattrs: [String: String]) throws -> String? {
        if xattrs.isEmpty { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(xattrs), as: UTF8.self)
    }

    static func decodeXattrs(_ text: String?) throws -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRecord("xattrs are not a JSON object of strings: \(error)")
        }
    }
}
