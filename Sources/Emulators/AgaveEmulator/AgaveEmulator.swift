@_exported import EmulatorSupport
import Foundation
import Hummingbird
import Logging

/// A stateful Agave (Tapis v2) server on 127.0.0.1 for the demo and the tests, speaking the wire protocol of
/// docs/protocols/agave.md: OAuth2 tokens, systems, paged listings, ranged downloads, multipart uploads,
/// imports, manage actions and deletes, over real files under `<state>/systems/<systemId>/`.
///
/// Test hooks: `requestLog` (what was asked and answered), `faults` (scripted failures), `expireAllTokens()`.
/// All members are thread-safe; `start`/`stop` block the caller briefly and must not be called concurrently
/// with each other.
public final class AgaveEmulator: @unchecked Sendable {
    public let stateDirectory: URL
    public let configuration: Configuration
    public var requestLog: RequestLog { state.requestLog }
    public var faults: FaultInjector { state.faults }
    /// Imports are staged after the reply; a test can make them fail (`STAGING_FAILED`).
    public var imports: StagingQueue { state.imports }
    /// Uploads too: staged after the 202 reply; a test can make them fail (`STAGING_FAILED`).
    public var uploads: StagingQueue { state.uploads }

    let state: EmulatorState
    private let server: LoopbackServer<AgaveResponder>

    public init(stateDirectory: URL, configuration: Configuration = .init()) throws {
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        state = try EmulatorState(stateDirectory: stateDirectory, configuration: configuration)
        server = LoopbackServer(responder: AgaveResponder(state: state), logger: configuration.logger)
    }

    deinit { stop() }

    /// Starts serving on 127.0.0.1 (`port` 0 picks a free one) and returns the bound port once the listener is
    /// up. Calling it while running returns the current port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        let wasRunning = server.port != nil
        let bound: Int
        do {
            bound = try server.start(port: port)
        } catch {
            throw EmulatorError.couldNotStart("\(error)")
        }
        if !wasRunning {
            state.baseURL = "http://127.0.0.1:\(bound)"
            configuration.logger.info("Agave emulator listening", metadata: ["url": "\(state.baseURL)",
                                                                           "state": "\(stateDirectory.path)"])
        }
        return bound
    }

    /// Starts the server again after `stop`, on the port it had, with the state it kept: an outage ends.
    @discardableResult
    public func restart() throws -> Int { try start(port: server.lastPort ?? 0) }

    /// Stops the server and waits (up to 10 s) until it has closed its listener. Idempotent.
    public func stop() {
        faults.removeAll() // ends any `.hang` so the server can stop
        if !server.stop() {
            configuration.logger.warning("Agave emulator did not stop within 10 s")
        }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash), valid after `start`.
    public var baseURL: URL {
        URL(string: state.baseURL) ?? URL(fileURLWithPath: "/")
    }

    /// The URL of a system's storage door (`/storage/<id>`), which a third-party copy service reads and writes:
    /// what sciencefs's `transfer_urls` names for the system. `scheme` "dav" is WebDAV over plain HTTP as FTS3 spells it.
    public func storageDoorURL(system: String, scheme: String = "dav") -> String {
        let port = baseURL.port ?? 80
        return "\(scheme)://127.0.0.1:\(port)/\(StorageDoor.prefix)/\(FormEncoding.encodePathSegment(system))"
    }

    /// Makes every access token issued so far expired (refresh tokens stay valid), to exercise refresh paths.
    public func expireAllTokens() { state.tokens.expireAll() }

    /// Every access and refresh token this emulator has issued (tests check that none reached a log).
    public var issuedTokens: [String] { state.tokens.allIssued }

    /// Registers a storage system and creates its root directory `<state>/systems/<id>`.
    public func addSystem(id: String, name: String, description: String, isDefault: Bool = false, isPublic: Bool = false) throws {
        guard !id.isEmpty, id != ".", id != "..", !id.contains("/") else { throw EmulatorError.invalidSystemId(id) }
        try FileManager.default.createDirectory(at: state.rootDirectory(of: id), withIntermediateDirectories: true)
        let existing = state.registry.system(id: id)
        try state.registry.upsert(StorageSystem(id: id, name: name, description: description, isDefault: isDefault,
                                                isPublic: isPublic, created: existing.map { Date(timeIntervalSince1970: $0.created / 1000) } ?? Date()))
    }

    /// The registered systems.
    public var systems: [StorageSystem] { state.registry.all }

    /// Where `path` (decoded, `/`-separated, relative to the system root; a leading `/` is allowed) of `system`
    /// lives on disk, so tests can compare bytes or prepare files directly.
    public func localURL(system: String, path: String) -> URL {
        var url = state.rootDirectory(of: system)
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            url.appendPathComponent(String(segment))
        }
        return url
    }

    public enum EmulatorError: Error, CustomStringConvertible {
        case couldNotStart(String)
        case invalidSystemId(String)

        public var description: String {
            switch self {
            case .couldNotStart(let why): return "Agave emulator could not start: \(why)"
            case .invalidSystemId(let id): return "Invalid system id '\(id)'"
            }
        }
    }
}
