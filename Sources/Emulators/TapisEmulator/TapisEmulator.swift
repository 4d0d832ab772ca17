@_exported import EmulatorSupport
import Foundation
import Hummingbird
import Logging

/// A stateful Tapis v3 server on 127.0.0.1 for the demo and the tests, speaking the wire protocol of
/// docs/protocols/tapis.md: tokens, systems, file listings, content with ranges, multipart uploads, mkdir,
/// delete, move/copy, permissions, transfer tasks and jobs with their outputs, over real files under
/// `<state>/systems/<systemId>/` and `<state>/jobs/<uuid>/outputs/`. Systems, tokens, jobs and transfer tasks
/// live in memory.
///
/// Test hooks: `requestLog`, `faults`, `expireAllTokens()`, `tokenLifetime`, `transferStepDelay`,
/// `holdTransfers()`/`releaseTransfers()`, `failNextTransfers(_:)`. All members are thread-safe; `start`/`stop`
/// block the caller briefly and must not be called concurrently with each other.
public final class TapisEmulator: @unchecked Sendable {
    public let stateDirectory: URL
    public let configuration: Configuration
    public var requestLog: RequestLog { state.requestLog }
    public var faults: FaultInjector { state.faults }

    let state: TapisState
    private let server: LoopbackServer<TapisResponder>

    public init(stateDirectory: URL, configuration: Configuration = .init()) throws {
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        state = try TapisState(stateDirectory: stateDirectory, configuration: configuration)
        server = LoopbackServer(responder: TapisResponder(state: state), logger: configuration.logger)
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
            configuration.logger.info("Tapis emulator listening", metadata: ["url": "\(state.baseURL)",
                                                                           "state": "\(stateDirectory.path)"])
        }
        return bound
    }

    /// Stops the server and waits (up to 10 s) until it has closed its listener. Idempotent.
    public func stop() {
        faults.removeAll() // ends any `.hang` so the server can stop
        state.transfers.release()
        if !server.stop() {
            configuration.logger.warning("Tapis emulator did not stop within 10 s")
        }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash), valid after `start`: the tenant's base URL.
    public var baseURL: URL {
        URL(string: state.baseURL) ?? URL(fileURLWithPath: "/")
    }

    /// The URL of a system's storage door (`/storage/<id>`), which a third-party copy service reads and writes:
    /// what sciencefs's `transfer_urls` names for the system. `scheme` "dav" is WebDAV over plain HTTP as FTS3 spells it.
    public func storageDoorURL(system: String, scheme: String = "dav") -> String {
        let port = baseURL.port ?? 80
        return "\(scheme)://127.0.0.1:\(port)/\(TapisStorageDoor.prefix)/\(FormEncoding.encodePathSegment(system))"
    }

    // MARK: tokens

    /// Makes every access token issued so far expired on the server (refresh tokens stay valid).
    public func expireAllTokens() { state.tokens.expireAll() }

    /// Seconds a newly issued access token lives (`expires_in`); starts as `configuration.tokenLifetime`.
    public var tokenLifetime: TimeInterval {
        get { state.tokenLifetime }
        set { state.tokenLifetime = newValue }
    }

    /// Every token this emulator has issued (tests check that none reached a log).
    public var issuedTokens: [String] { state.tokens.allIssued }

    // MARK: systems and files

    /// Registers a storage system and creates its root directory `<state>/systems/<id>`.
    public func addSystem(_ system: TapisSystem) throws {
        guard !system.id.isEmpty, system.id != ".", system.id != "..", !system.id.contains("/") else {
            throw EmulatorError.invalidSystemId(system.id)
        }
        try FileManager.default.createDirectory(at: state.rootDirectory(of: system.id), withIntermediateDirectories: true)
        state.upsert(system)
    }

    /// The registered systems.
    public var systems: [TapisSystem] { state.systems }

    /// Where `path` (decoded, `/`-separated, relative to the system root) of `system` lives on disk, so tests
    /// can compare bytes or prepare files directly.
    public func localURL(system: String, path: String) -> URL {
        path.split(separator: "/").reduce(state.rootDirectory(of: system)) { $0.appendingPathComponent(String($1)) }
    }

    // MARK: transfer tasks

    /// How long a transfer task stays ACCEPTED, and then at least as long IN_PROGRESS.
    public var transferStepDelay: TimeInterval {
        get { state.transfers.stepDelay }
        set { state.transfers.stepDelay = newValue }
    }

    /// Transfer tasks that reach IN_PROGRESS stay there (copying nothing) until `releaseTransfers()`.
    public func holdTransfers() { state.transfers.hold() }
    public func releaseTransfers() { state.transfers.release() }

    /// The next `count` transfer tasks end FAILED without copying anything.
    public func failNextTransfers(_ count: Int = 1) { state.transfers.failNext(count) }

    /// The status of a transfer task (ACCEPTED, IN_PROGRESS, COMPLETED, FAILED), nil for an unknown uuid.
    public func transferStatus(uuid: String) -> String? { state.transfers.record(uuid)?.status }

    public enum EmulatorError: Error, CustomStringConvertible {
        case couldNotStart(String)
        case invalidSystemId(String)
        case unknownJobStatus(String)

        public var description: String {
            switch self {
            case .couldNotStart(let why): return "Tapis emulator could not start: \(why)"
            case .invalidSystemId(let id): return "Invalid system id '\(id)'"
            case .unknownJobStatus(let status): return "Unknown Tapis job status '\(status)'"
            }
        }
    }
}
