import Dispatch
import Foundation
import Hummingbird
import Logging

/// A stateful Agave (Tapis v2) server on 127.0.0.1 for the demo and the tests, speaking the wire protocol of
/// /work/shared/protocols/agave.md: OAuth2 tokens, systems, paged listings, ranged downloads, multipart uploads,
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

    let state: EmulatorState
    private let lock = NSLock()
    private var running: (task: Task<Void, Never>, stopped: DispatchSemaphore, port: Int)?

    public init(stateDirectory: URL, configuration: Configuration = .init()) throws {
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        state = try EmulatorState(stateDirectory: stateDirectory, configuration: configuration)
    }

    deinit { stop() }

    /// Starts serving on 127.0.0.1 (`port` 0 picks a free one) and returns the bound port once the listener is
    /// up. Calling it while running returns the current port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        if let running { return running.port }

        let started = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let boundPort = LockedValue<Int?>(nil)
        let failure = LockedValue<Error?>(nil)
        let appLogger = configuration.logger
        let app = Application(
            responder: AgaveResponder(state: state),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in
                boundPort.set(channel.localAddress?.port)
                started.signal()
            },
            logger: appLogger
        )
        let task = Task {
            do {
                // Cancelling this task shuts the server down (Hummingbird's service group treats cancellation
                // as a graceful-shutdown trigger).
                try await app.run()
            } catch {
                failure.set(error)
            }
            started.signal()
            stopped.signal()
        }
        guard started.wait(timeout: .now() + 30) == .success, let bound = boundPort.get() else {
            task.cancel()
            throw EmulatorError.couldNotStart(failure.get().map { "\($0)" } ?? "timed out")
        }
        state.baseURL = "http://127.0.0.1:\(bound)"
        running = (task, stopped, bound)
        configuration.logger.info("Agave emulator listening", metadata: ["url": "\(state.baseURL)",
                                                                       "state": "\(stateDirectory.path)"])
        return bound
    }

    /// Stops the server and waits (up to 10 s) until it has closed its listener. Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard let running else { return }
        self.running = nil
        running.task.cancel()
        if running.stopped.wait(timeout: .now() + 10) == .timedOut {
            configuration.logger.warning("Agave emulator did not stop within 10 s")
        }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash), valid after `start`.
    public var baseURL: URL {
        URL(string: state.baseURL) ?? URL(fileURLWithPath: "/")
    }

    /// Makes every access token issued so far expired (refresh tokens stay valid), to exercise refresh paths.
    public func expireAllTokens() { state.tokens.expireAll() }

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

/// A value shared between the starting thread and the server task.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
