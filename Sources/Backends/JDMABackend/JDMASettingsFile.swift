import Foundation

/// The JDMA client's own settings file, `~/.jdma.json` (docs/protocols/jdma.md §2): the storage backends' secrets
/// and the user's defaults. A researcher who already uses `jdma` has it, so a mount reads it instead of asking for
/// the same secrets again. Secrets: never log `credentials`.
public struct JDMASettingsFile: Sendable, Equatable {
    /// Per storage backend id (`elastictape`, `objectstore`, `ftp`): its `required_credentials`.
    public var credentials: [String: [String: String]]
    /// `default_storage`: the backend the client uses when none is named.
    public var defaultStorage: String?
    /// `default_gws`: the group workspace the client uses when none is named.
    public var defaultWorkspace: String?

    /// `$HOME/.jdma.json`, where `jdma init` writes it.
    public static func defaultLocation(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".jdma.json")
    }

    /// The file at `url`, or nil when there is none. A file that exists but cannot be read or parsed is an error
    /// naming the file: sending a request without the secrets the user wrote down would fail later and less clearly.
    public static func load(from url: URL) throws -> JDMASettingsFile? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JDMASettingsFileError(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    /// The settings in a file's bytes. Values that are not strings (numbers, booleans) are kept as their JSON text,
    /// as the Python client would send them; unknown keys are ignored.
    public static func parse(_ data: Data, file: String) throws -> JDMASettingsFile {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw JDMASettingsFileError(file: file, problem: "is not a JSON object")
        }
        var credentials: [String: [String: String]] = [:]
        if let storage = top["storage"] {
            guard let backends = storage as? [String: Any] else {
                throw JDMASettingsFileError(file: file, problem: "\"storage\" is not an object")
            }
            for (backend, entry) in backends {
                guard let entry = entry as? [String: Any] else {
                    throw JDMASettingsFileError(file: file, problem: "\"storage\".\"\(backend)\" is not an object")
                }
                guard let required = entry["required_credentials"] else { continue }
                guard let fields = required as? [String: Any] else {
                    throw JDMASettingsFileError(file: file,
                                                problem: "\"storage\".\"\(backend)\".\"required_credentials\" is not an object")
                }
                credentials[backend] = fields.mapValues(Self.text)
            }
        }
        return JDMASettingsFile(credentials: credentials, defaultStorage: top["default_storage"] as? String,
                                defaultWorkspace: top["default_gws"] as? String)
    }

    /// The credentials the client sends for `storage`: its `required_credentials`, or none when the file has no
    /// entry for it.
    public func credentials(for storage: String) -> [String: String] { credentials[storage] ?? [:] }

    private static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value]) else { return "\(value)" }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}

/// `~/.jdma.json` exists but is not what the JDMA client writes. Carries no value from the file, so it can be logged.
public struct JDMASettingsFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String
    public var description: String { "JDMA settings file \(file) \(problem)" }
}
