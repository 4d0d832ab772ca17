import EmulatorSupport
import Foundation

/// One RSE's storage: its configuration, where its bytes live on disk (`<state>/storage/<RSE>/`, the URL path
/// mapped one-to-one below it), whether it is up, and the port of its listener once started.
final class RSEStorage: @unchecked Sendable {
    let configuration: RucioEmulator.RSEConfiguration
    let root: URL
    /// A stable id for `rse_id` fields (32 hex digits derived from the name, like the real UUID hex).
    let id: String
    private let available = LockedValue(true)
    private let boundPort = LockedValue<Int?>(nil)

    init(configuration: RucioEmulator.RSEConfiguration, stateDirectory: URL) throws {
        self.configuration = configuration
        root = stateDirectory.appendingPathComponent("storage").appendingPathComponent(configuration.name)
        id = MD5.hex("rse:" + configuration.name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    var name: String { configuration.name }

    var isAvailable: Bool {
        get { available.get() }
        set { available.set(newValue) }
    }

    var port: Int? {
        get { boundPort.get() }
        set { boundPort.set(newValue) }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash); the configured port before the listener started.
    var origin: String { "\(configuration.scheme)://127.0.0.1:\(port ?? configuration.port)" }

    /// The deterministic PFN of `scope:name` on this RSE. Path segments are percent-encoded so that names with
    /// spaces or unicode (which the emulator tolerates) still give valid URLs; for names the real schema allows
    /// this is exactly the real server's PFN.
    func pfn(scope: String, name: String) -> String {
        origin + "/" + FormEncoding.encodePath(configuration.prefix + LFN2PFN.hashPath(scope: scope, name: name))
    }

    /// Where the replica of `scope:name` lives on disk.
    func fileURL(scope: String, name: String) -> URL {
        fileURL(decodedPath: configuration.prefix + LFN2PFN.hashPath(scope: scope, name: name)) ?? root
    }

    /// Maps a decoded URL path to a file under `root`; nil for paths that would escape it (`.`/`..` segments, NUL).
    func fileURL(decodedPath: String) -> URL? {
        var url = root
        for segment in decodedPath.split(separator: "/", omittingEmptySubsequences: true) {
            guard segment != ".", segment != "..", !segment.contains("\u{0}") else { return nil }
            url.appendPathComponent(String(segment))
        }
        return url
    }
}
