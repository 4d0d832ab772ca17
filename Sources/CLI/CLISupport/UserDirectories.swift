import Foundation

/// Where sciencefs keeps a user's files, resolved from the environment the way the XDG Base Directory
/// specification says: `$XDG_CONFIG_HOME` (default `$HOME/.config`) holds `sciencefs/config.toml`, and
/// `$XDG_CACHE_HOME` (default `$HOME/.cache`) holds `sciencefs/` (per-mount caches, the mount registry, the demo's
/// state).
///
/// `$HOME` wins over the passwd entry, which is only the fallback when `HOME` is unset or empty: two sessions with
/// different `HOME`s (two demos, a test, `sudo -u`, a batch job) must not share one state directory. As the
/// specification asks, an XDG variable that is empty or not an absolute path is ignored.
public struct UserDirectories: Equatable, Sendable {
    /// The home directory: `$HOME`, else the passwd entry's, else `/`.
    public let home: URL
    public let configHome: URL
    public let cacheHome: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
         passwdHome: () -> String? = UserDirectories.passwdHome) {
        let homePath = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? passwdHome() ?? "/"
        home = URL(fileURLWithPath: homePath, isDirectory: true)
        configHome = Self.absolute(environment["XDG_CONFIG_HOME"]) ?? home.appendingPathComponent(".config", isDirectory: true)
        cacheHome = Self.absolute(environment["XDG_CACHE_HOME"]) ?? home.appendingPathComponent(".cache", isDirectory: true)
    }

    /// This process's directories (read from the environment on every use, so nothing stale is kept).
    public static var current: UserDirectories { UserDirectories() }

    /// `config.toml` when `--config` is not given.
    public var configFile: URL { configHome.appendingPathComponent("sciencefs/config.toml") }

    /// Per-mount caches and the mount registry when the config sets no `cache_dir`.
    public var cacheRoot: URL { cacheHome.appendingPathComponent("sciencefs", isDirectory: true) }

    /// The demo's emulated services and its mount cache when `--state` is not given.
    public var demoState: URL { cacheRoot.appendingPathComponent("demo", isDirectory: true) }

    /// `~` and `~/…` become this home; `~name/…` becomes that user's home from the passwd database; anything else is
    /// returned unchanged.
    public func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let rest = path.dropFirst()
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let name = String(rest[..<slash])
        let base: String
        if name.isEmpty {
            base = home.path
        } else if let other = Self.passwdHome(of: name) {
            base = other
        } else {
            return path  // no such user: leave it for the error message to show as typed
        }
        return base + rest[slash...]
    }

    private static func absolute(_ value: String?) -> URL? {
        guard let value, value.hasPrefix("/") else { return nil }
        return URL(fileURLWithPath: value, isDirectory: true)
    }

    /// The home directory in this user's passwd entry.
    public static func passwdHome() -> String? {
        passwdEntry { getpwuid_r(getuid(), &$0, $1, $2, &$3) }
    }

    public static func passwdHome(of name: String) -> String? {
        passwdEntry { getpwnam_r(name, &$0, $1, $2, &$3) }
    }

    private static func passwdEntry(_ lookup: (inout passwd, UnsafeMutablePointer<CChar>, Int,
                                               inout UnsafeMutablePointer<passwd>?) -> Int32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        // pw_dir points into `buffer`: read it while the buffer is pinned.
        let path: String? = buffer.withUnsafeMutableBufferPointer { bytes in
            guard lookup(&entry, bytes.baseAddress!, bytes.count, &result) == 0, result != nil,
                  let directory = entry.pw_dir else { return nil }
            return String(cString: directory)
        }
        guard let path else { return nil }
        return path.isEmpty ? nil : path
    }
}
