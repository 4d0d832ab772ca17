import BackendKit
import Foundation
import SciencefsCore

/// What the Agave CLI's cache file holds (docs/protocols/agave.md §2.3). Secrets: never log.
public struct AgaveCachedCredentials: Sendable {
    public var tenantID: String?
    public var baseURL: String?
    public var apiKey: String?
    public var apiSecret: String?
    public var username: String?
    public var accessToken: String?
    public var refreshToken: String?
    /// `created_at + expires_in`; the file's `expires_at` is a locale-formatted string and is not parsed.
    public var expiry: Date?
}

/// The Agave CLI's credential cache, `~/.agave/current`: read at mount, rewritten after each token refresh.
/// The file is shared with the Python CLI, so keys we do not know are preserved and the write is atomic
/// (temporary file in the same directory, then rename), keeping the original permissions (0600 by default).
public struct AgaveCredentialsFile: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// `$AGAVE_CACHE_DIR/current` when that variable names an existing directory, else `~/.agave/current`.
    public static func defaultLocation(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        var isDirectory: ObjCBool = false
        if let dir = environment["AGAVE_CACHE_DIR"], !dir.isEmpty,
           FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue {
            return URL(fileURLWithPath: dir).appendingPathComponent("current")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".agave").appendingPathComponent("current")
    }

    public func read() throws -> AgaveCachedCredentials {
        try Self.credentials(in: readObject().object)
    }

    /// The credentials in a file's bytes (what `read` does after reading it).
    public static func parse(_ data: Data, origin: String) throws -> AgaveCachedCredentials {
        try credentials(in: object(in: data, origin: origin).object)
    }

    private static func credentials(in object: [String: Any]) -> AgaveCachedCredentials {
        func text(_ key: String) -> String? {
            switch object[key] {
            case let s as String: return s.isEmpty ? nil : s
            case let n as NSNumber: return n.stringValue
            default: return nil
            }
        }
        var expiry: Date?
        if let created = text("created_at").flatMap(Double.init), let lifetime = text("expires_in").flatMap(Double.init) {
            expiry = Date(timeIntervalSince1970: created + lifetime)
        }
        return AgaveCachedCredentials(tenantID: text("tenantid"), baseURL: text("baseurl"), apiKey: text("apikey"),
                                      apiSecret: text("apisecret"), username: text("username"),
                                      accessToken: text("access_token"), refreshToken: text("refresh_token"),
                                      expiry: expiry)
    }

    /// Replaces the token fields, keeping every other key and the file's shape (object or one-element list).
    public func writeTokens(accessToken: String, refreshToken: String?, createdAt: Date, expiresIn: TimeInterval) throws {
        var (object, wasList) = try readObject()
        func put(_ key: String, _ value: Int) {
            // Keep the type the file already uses for this key (the CLI versions differ).
            object[key] = object[key] is String ? String(value) : value
        }
        object["access_token"] = accessToken
        if let refreshToken { object["refresh_token"] = refreshToken }
        put("created_at", Int(createdAt.timeIntervalSince1970))
        put("expires_in", Int(expiresIn))
        object["expires_at"] = Self.cliDateString(createdAt.addingTimeInterval(expiresIn))
        let root: Any = wasList ? [object] : object
        let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
        try CredentialFileWriter.replace(url, with: data)
    }

    private func readObject() throws -> (object: [String: Any], wasList: Bool) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FSError.io("cannot read Agave credentials \(url.path): \(error.localizedDescription)")
        }
        return try Self.object(in: data, origin: url.path)
    }

    private static func object(in data: Data, origin: String) throws -> (object: [String: Any], wasList: Bool) {
        let parsed = try? JSONSerialization.jsonObject(with: data)
        if let object = parsed as? [String: Any] { return (object, false) }
        if let list = parsed as? [Any], list.count == 1, let object = list[0] as? [String: Any] { return (object, true) }
        throw FSError.io("Agave credentials \(origin) are not a JSON object")
    }

    /// The CLI's human-readable `expires_at` (e.g. `Thu Sep 21 16:40:51 CDT 2017`), for humans only.
    private static func cliDateString(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE MMM dd HH:mm:ss zzz yyyy"
        return formatter.string(from: date)
    }
}
