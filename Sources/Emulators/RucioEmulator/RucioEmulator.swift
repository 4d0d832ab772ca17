@_exported import EmulatorSupport
import Foundation
import Hummingbird
import Logging

/// A stateful Rucio server on 127.0.0.1 for the demo and the tests, speaking the REST protocol of
/// docs/protocols/rucio.md as the real server (rucio 41.5.1) does: userpass tokens, scopes, DIDs
/// (listing, search, content, files, metadata, parents, creation, attach, close), replicas (list, add, state
/// updates) and RSEs (info, attributes, lfns2pfns). Each RSE also gets its own HTTP/WebDAV storage listener
/// serving the replicas' bytes at their deterministic (`hash`) PFNs.
///
/// State: the catalog (scopes, DIDs, replicas, tokens) lives in memory and starts empty on every `init`; replica
/// bytes live on disk under `<stateDirectory>/storage/<RSE>/<PFN path>`. Nothing is persisted across instances.
///
/// Test hooks: `requestLog` (API and storage exchanges, `listener` = `"api"` or the RSE name), `faults`
/// (matched on the decoded path of either listener), `expireAllTokens()`, `setRSE(_:available:)`.
/// All members are thread-safe; `start`/`stop` block briefly and must not run concurrently with each other.
public final class RucioEmulator: @unchecked Sendable {
    public let stateDirectory: URL
    public let configuration: Configuration
    public var requestLog: RequestLog { state.requestLog }
    public var faults: FaultInjector { state.faults }

    let state: RucioServerState
    private let apiServer: LoopbackServer<RucioAPIResponder>
    private let storageServers: [(storage: RSEStorage, server: LoopbackServer<StorageResponder>)]

    public init(stateDirectory: URL, configuration: Configuration = .init()) throws {
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        let state = try RucioServerState(stateDirectory: stateDirectory, configuration: configuration)
        self.state = state
        let recorder = { (listener: String) in
            ExchangeRecorder(requestLog: state.requestLog, faults: state.faults, logger: configuration.logger, listener: listener)
        }
        apiServer = LoopbackServer(responder: RucioAPIResponder(state: state, recorder: recorder("api")),
                                   logger: configuration.logger)
        storageServers = state.storages.map { storage in
            (storage, LoopbackServer(responder: StorageResponder(storage: storage, recorder: recorder(storage.name)),
                                     logger: configuration.logger))
        }
    }

    deinit { stop() }

    /// Starts the API listener (`port` 0 picks a free one) and one storage listener per RSE (on the RSE's
    /// configured port, 0 = free), all on 127.0.0.1, and returns the API port. Calling it while running
    /// returns the current port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        do {
            for (storage, server) in storageServers {
                // Started again after a stop: the RSE keeps its port, so the PFNs clients hold stay valid.
                storage.port = try server.start(port: storage.configuration.port == 0 ? server.lastPort ?? 0
                                                                                      : storage.configuration.port)
            }
            let bound = try apiServer.start(port: port)
            configuration.logger.info("Rucio emulator listening", metadata: [
                "url": "http://127.0.0.1:\(bound)",
                "storage": "\(storageServers.map { "\($0.storage.name)=\($0.storage.origin)" }.joined(separator: " "))",
                "state": "\(stateDirectory.path)",
            ])
            return bound
        } catch {
            stop()
            throw EmulatorError.couldNotStart("\(error)")
        }
    }

    /// Starts every listener again after `stop`, on the ports they had, with the state kept: an outage ends.
    @discardableResult
    public func restart() throws -> Int { try start(port: apiServer.lastPort ?? 0) }

    /// Stops every listener (waiting up to 10 s each). Idempotent.
    public func stop() {
        faults.removeAll() // ends any `.hang` so the server can stop
        if !apiServer.stop() { configuration.logger.warning("Rucio API listener did not stop within 10 s") }
        for (storage, server) in storageServers {
            if !server.stop() { configuration.logger.warning("storage listener did not stop within 10 s", metadata: ["rse": "\(storage.name)"]) }
        }
    }

    /// `http://127.0.0.1:<port>` (no trailing slash): both `rucio_host` and `auth_host`. Valid after `start`.
    public var baseURL: URL {
        URL(string: "http://127.0.0.1:\(apiServer.port ?? 0)") ?? URL(fileURLWithPath: "/")
    }

    /// `http://127.0.0.1:<port>/`, the origin of the RSE's PFNs (valid after `start`). Unknown RSEs give a URL
    /// with port 0.
    public func storageURL(rse: String) -> URL {
        URL(string: (state.storage(rse)?.origin ?? "http://127.0.0.1:0") + "/") ?? URL(fileURLWithPath: "/")
    }

    /// The deterministic PFN of `scope:name` on `rse` (what `lfns2pfns` and the replica list report).
    public func pfn(rse: String, scope: String, name: String) -> String? {
        state.storage(rse)?.pfn(scope: scope, name: name)
    }

    /// Makes every token issued so far expired: the next API call with one gets 401 `CannotAuthenticate`.
    public func expireAllTokens() { state.tokens.expireAll() }

    /// Every auth token this emulator has issued (tests check that none reached a log).
    public var issuedTokens: [String] { state.tokens.allIssued }

    /// Takes an RSE's storage down (every storage request gets 503) or brings it back. The catalog is not
    /// changed: replicas on a down RSE are still listed, as they are when a real storage fails.
    public func setRSE(_ rse: String, available: Bool) {
        state.storage(rse)?.isAvailable = available
    }

    // MARK: Fixtures

    public func addScope(_ scope: String, account: String) throws {
        try rejecting { try state.catalog.addScope(scope, account: account) }
    }

    /// Writes `data` to each RSE's storage at the file's deterministic PFN and registers the file DID (owned by
    /// the scope's owner) with bytes/adler32/md5 and an AVAILABLE replica on each RSE. Metadata values that
    /// are integers in decimal become JSON numbers.
    public func addFile(scope: String, name: String, data: Data, rses: [String], meta: [String: String] = [:]) throws {
        try addFile(scope: scope, name: name, rses: rses, meta: meta) { try data.write(to: $0) }
    }

    /// Like `addFile(scope:name:data:…)` with `size` bytes of `DeterministicData` for `seed`, written in chunks
    /// (for large files and big fixtures).
    public func addFile(scope: String, name: String, size: Int, seed: UInt64, rses: [String], meta: [String: String] = [:]) throws {
        try addFile(scope: scope, name: name, rses: rses, meta: meta) { url in
            // Small files in one write: writeFile's 1 MiB chunk buffer would dominate big fixtures of tiny files.
            if size <= 1 << 20 {
                try Data(DeterministicData.bytes(count: size, seed: seed)).write(to: url)
            } else {
                try DeterministicData.writeFile(at: url, size: size, seed: seed)
            }
        }
    }

    public func addCollection(scope: String, name: String, type: CollectionType, open: Bool = true) throws {
        try rejecting {
            let account = state.catalog.owner(ofScope: scope) ?? "root"
            try state.catalog.addCollection(DIDKey(scope: scope, name: name), type: type.didType, account: account, open: open)
        }
    }

    /// Attaches children to a collection (same rules as the API: the collection must be open).
    public func attach(scope: String, name: String, children: [(scope: String, name: String)]) throws {
        try rejecting {
            try state.catalog.attach(children.map { DIDKey(scope: $0.scope, name: $0.name) }, to: DIDKey(scope: scope, name: name))
        }
    }

    /// Closes (or reopens) a collection.
    public func setOpen(scope: String, name: String, open: Bool) throws {
        try rejecting { try state.catalog.setOpen(DIDKey(scope: scope, name: name), open: open) }
    }

    /// Where the replica of `scope:name` on `rse` lives on disk (tests corrupt or remove it).
    public func storageFile(rse: String, scope: String, name: String) -> URL {
        guard let storage = state.storage(rse) else {
            return stateDirectory.appendingPathComponent("storage").appendingPathComponent(rse)
        }
        return storage.fileURL(scope: scope, name: name)
    }

    public enum CollectionType: String, Sendable {
        case dataset = "DATASET"
        case container = "CONTAINER"

        var didType: RucioDIDType { self == .dataset ? .dataset : .container }
    }

    public enum EmulatorError: Error, CustomStringConvertible {
        case couldNotStart(String)
        case duplicateRSE(String)
        case unknownRSE(String)
        /// A fixture call broke a Rucio rule (unknown scope, duplicate DID, closed dataset…); carries the
        /// exception class and message the API would send.
        case rejected(exceptionClass: String, message: String)

        static func rejected(_ error: RucioError) -> EmulatorError {
            .rejected(exceptionClass: error.exceptionClass, message: error.message)
        }

        public var description: String {
            switch self {
            case .couldNotStart(let why): return "Rucio emulator could not start: \(why)"
            case .duplicateRSE(let rse): return "RSE '\(rse)' is configured twice"
            case .unknownRSE(let rse): return "Unknown RSE '\(rse)'"
            case .rejected(let exceptionClass, let message): return "\(exceptionClass): \(message)"
            }
        }
    }

    // MARK: Private

    private func rejecting(_ body: () throws -> Void) throws {
        do { try body() } catch let error as RucioError { throw EmulatorError.rejected(error) }
    }

    private func addFile(scope: String, name: String, rses: [String], meta: [String: String],
                         write: (URL) throws -> Void) throws {
        let storages = try rses.map { rse in
            guard let storage = state.storage(rse) else { throw EmulatorError.unknownRSE(rse) }
            return storage
        }
        guard let first = storages.first else { throw EmulatorError.unknownRSE("(none given)") }
        let key = DIDKey(scope: scope, name: name)
        try rejecting {
            guard state.catalog.hasScope(scope) else { throw RucioError.scopeNotFound(scope) }
            try RucioCatalog.validate(name: name)
            guard !state.catalog.exists(key) else {
                throw RucioError(409, "DataIdentifierAlreadyExists", "Data Identifier already exists!")
            }
        }
        let firstFile = first.fileURL(scope: scope, name: name)
        try FileManager.default.createDirectory(at: firstFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try write(firstFile)
        for storage in storages.dropFirst() {
            let copy = storage.fileURL(scope: scope, name: name)
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: copy.path) { try FileManager.default.removeItem(at: copy) }
            try FileManager.default.copyItem(at: firstFile, to: copy)
        }
        let sums = try FileChecksums.of(fileAt: firstFile)
        let jsonMeta = meta.mapValues { value -> JSONValue in Int64(value).map(JSONValue.int) ?? .string(value) }
        try rejecting {
            try state.catalog.registerFile(key, bytes: sums.bytes, adler32: sums.adler32, md5: sums.md5,
                                           account: state.catalog.owner(ofScope: scope) ?? "root", meta: jsonMeta)
            for storage in storages { try state.catalog.addReplica(key, rse: storage.name, state: .available) }
        }
    }
}
