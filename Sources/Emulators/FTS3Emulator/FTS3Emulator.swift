@_exported import EmulatorSupport
import Foundation
import Hummingbird
import Logging
import SciencefsHTTP
import SciencefsX509

/// An FTS3 server on 127.0.0.1 for the tests and the demo, speaking the REST protocol of
/// docs/protocols/fts3.md as `fts3` 3.14.2 expects it, over HTTPS with client certificates.
///
/// Pieces: a real nginx terminates TLS (server certificate and client CA from a `TestPKI`) and forwards to a
/// plain Hummingbird listener, which serves whoami, delegation (RFC 3820 proxies checked against the test CA)
/// and jobs. Accepted jobs run in the background: each file goes SUBMITTED → ACTIVE → FINISHED/FAILED, staying
/// ACTIVE for at least `Configuration.transferDuration` while its bytes are really copied between the storage
/// endpoints named in the job (HTTP/WebDAV, e.g. the Rucio emulator's RSE listeners; `dav(s)://` is mapped to
/// `http(s)://`) with Adler-32 verification of source and destination.
///
/// State (jobs, delegations) lives in memory and starts empty on every `init`; scratch files go under
/// `<stateDirectory>/transfers`, nginx's files under `<stateDirectory>/nginx`.
/// Test hooks: `requestLog`, `faults`, `failFiles(matching:reason:)`, `bytesCopied`, `jobIDs()`, `jobState(_:)`.
/// All members are thread-safe; `start`/`stop` block briefly and must not run concurrently with each other.
public final class FTS3Emulator: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Minimum seconds each file spends ACTIVE (its copy is spread over it so progress is visible). A job
        /// also waits a fifth of it in SUBMITTED before its first file starts.
        public var transferDuration: TimeInterval
        /// Accepted OAuth2 bearer tokens → the user DN each stands for (`whoami.method` = `oauth2`; such users
        /// need no delegation).
        public var bearerTokens: [String: String]
        /// The VO every user belongs to (`whoami.vos`, `vo_name` of jobs).
        public var voName: String
        /// nginx gets SIGTERM when the thread that called `start()` ends (Linux's parent-death signal), so even a
        /// process killed with SIGKILL leaves no nginx behind. Only for a caller whose starting thread lives as
        /// long as the process (the demo's main thread): a pool thread that ends would take nginx with it.
        public var stopFrontWithStartingThread: Bool

        public init(transferDuration: TimeInterval = 1, bearerTokens: [String: String] = [:], voName: String = "dteam",
                    stopFrontWithStartingThread: Bool = false) {
            self.transferDuration = transferDuration
            self.bearerTokens = bearerTokens
            self.voName = voName
            self.stopFrontWithStartingThread = stopFrontWithStartingThread
        }
    }

    public enum EmulatorError: Error, CustomStringConvertible {
        case couldNotStart(String)

        public var description: String {
            switch self {
            case .couldNotStart(let why): return "FTS3 emulator could not start: \(why)"
            }
        }
    }

    public let stateDirectory: URL
    public let configuration: Configuration
    /// Every request the API answered (path normalised: `//jobs` is logged as `/jobs`).
    public let requestLog = RequestLog()
    /// Scripted failures of the REST API (`faults.add(...)`); `.expiredToken` answers 419 as the server does
    /// when the delegated credential has expired.
    public var faults: FaultInjector { state.faults }

    /// Where nginx is looked for.
    static let nginxExecutable = "/usr/sbin/nginx"

    private let pki: TestPKI
    private let logger: Logger
    private let state: FTS3ServerState
    private let listener: LoopbackServer<FTS3Responder>
    private let lock = NSLock()
    private var front: NginxFront?

    public init(stateDirectory: URL, pki: TestPKI, configuration: Configuration = Configuration(), logger: Logger? = nil) throws {
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        self.pki = pki
        let logger = logger ?? Logger(label: "sciencefs.fts3-emulator")
        self.logger = logger
        let scratch = stateDirectory.appendingPathComponent("transfers")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // Outbound storage traffic: no client retries (FTS's own `retry` decides), TLS trusting the test CA.
        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .warning)
        let http = HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: 10, lowSpeedTime: 30, retry: .none,
            tls: TLSOptions(caBundlePath: pki.caCertificate.path), userAgent: "fts-emulator-url-copy/3.13"), logger: httpLogger)
        let copier = StorageCopier(http: http, scratchDirectory: scratch, logger: logger)
        state = try FTS3ServerState(configuration: configuration, pki: pki, logger: logger, requestLog: requestLog, copier: copier)
        listener = LoopbackServer(responder: FTS3Responder(state: state), logger: logger)
    }

    deinit { stop() }

    /// Starts the plain listener and the nginx TLS front and returns the HTTPS endpoint
    /// (`https://127.0.0.1:<port>`, no trailing slash). Calling it while running returns the current endpoint.
    @discardableResult
    public func start() throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let front { return Self.endpoint(port: front.port) }
        do {
            let upstream = try listener.start()
            let secret = Self.randomSecret()
            state.frontSecret.set(secret)
            state.runner.resume()
            let front = try NginxFront.launch(NginxFront.Settings(
                executable: Self.nginxExecutable, prefix: stateDirectory.appendingPathComponent("nginx"),
                certificatePath: pki.serverCertificate.path, keyPath: pki.serverKey.path,
                clientCAPath: pki.caCertificate.path, upstreamPort: upstream, secret: secret,
                parentDeathSignal: configuration.stopFrontWithStartingThread), logger: logger)
            self.front = front
            let endpoint = Self.endpoint(port: front.port)
            logger.info("FTS3 emulator listening", metadata: ["url": "\(endpoint.absoluteString)", "state": "\(stateDirectory.path)"])
            return endpoint
        } catch {
            stopLocked()
            throw EmulatorError.couldNotStart("\(error)")
        }
    }

    /// The HTTPS endpoint while running.
    public var endpoint: URL? {
        lock.withLock { front.map { Self.endpoint(port: $0.port) } }
    }

    /// Stops nginx (by PID), the listener and the transfer threads (running copies are abandoned). Idempotent.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopLocked()
    }

    /// Any file that starts after this call and whose source or destination URL contains `substring` fails,
    /// after its transfer duration in ACTIVE, with `reason`; the storage is not touched.
    public func failFiles(matching substring: String, reason: String) {
        state.failures.add(substring: substring, reason: reason)
    }

    /// Payload bytes read from source storage so far (checksum read-backs of destinations not counted).
    public var bytesCopied: UInt64 { state.runner.bytesCopied }

    /// Every job id, in submission order.
    public func jobIDs() -> [String] { state.jobs.ids() }

    /// A job's state (`SUBMITTED`, `ACTIVE`, `FINISHED`, `FAILED`, `FINISHEDDIRTY`, `CANCELED`), nil if unknown.
    public func jobState(_ id: String) -> String? { state.jobs.job(id)?.state.rawValue }

    /// A file's state and reason by index within its job, for tests (nil if unknown).
    public func fileState(job id: String, index: Int) -> (state: String, reason: String)? {
        guard let job = state.jobs.job(id), job.files.indices.contains(index) else { return nil }
        return (job.files[index].state.rawValue, job.files[index].reason)
    }

    /// The plain listener's port while running (tests check that it refuses requests that bypass nginx).
    var listenerPort: Int? { listener.port }

    /// The delegation id the server derives for a DN (no VOMS attributes): the first 16 hex digits of SHA-1.
    public static func delegationID(forDN dn: String) -> String { IdentityResolver.delegationID(dn: dn) }

    // MARK: Private

    private func stopLocked() {
        state.faults.removeAll() // ends any `.hang` so the server can stop
        if let front {
            front.stop()
            self.front = nil
        }
        state.frontSecret.set(nil)
        if !listener.stop() { logger.warning("FTS3 emulator listener did not stop within 10 s") }
        state.runner.stopAll()
    }

    private static func endpoint(port: Int) -> URL {
        URL(string: "https://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/")
    }

    /// 32 random hex digits (SystemRandomNumberGenerator reads the kernel's CSPRNG).
    private static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
