@_exported import EmulatorSupport
import Foundation
import Hummingbird
import Logging

/// A stateful JDMA (JASMIN Data Migration App) server on 127.0.0.1 for the demo and the tests, speaking the REST
/// protocol of docs/protocols/jdma.md as `jdma_client` sees it: users, storage backends, batches
/// (migrations), their files and archives with SHA-256 digests, requests, PUT/MIGRATE uploads, GET retrievals,
/// DELETE and label changes, with workspaces and quotas.
///
/// The "shared disk" is this machine's filesystem: a PUT reads its `filelist` from local paths into the store
/// (`<stateDirectory>/store/<batch>/…`), and a GET writes the batch's files into its `target_path` when it
/// completes. Requests move through their stages over `tapeDelay` seconds (or only when a test says so).
/// State lives in memory and starts empty on every `init`. Thread-safe; `start`/`stop` block briefly and must
/// not run concurrently with each other.
public final class JDMAEmulator: @unchecked Sendable {
    public let stateDirectory: URL
    public let configuration: Configuration
    public var requestLog: RequestLog { state.requestLog }
    public var faults: FaultInjector { state.faults }

    let state: JDMAServerState
    private let server: LoopbackServer<JDMAResponder>
    private let clock = LockedValue<Task<Void, Never>?>(nil)

    public init(stateDirectory: URL, configuration: Configuration = .init()) throws {
        self.stateDirectory = stateDirectory
        self.configuration = configuration
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        state = try JDMAServerState(stateDirectory: stateDirectory, configuration: configuration)
        server = LoopbackServer(responder: JDMAResponder(state: state), logger: configuration.logger)
    }

    deinit { stop() }

    /// Starts listening (`port` 0 picks a free one) and the stage clock; returns the bound port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        let bound = try server.start(port: port)
        clock.update { task in
            guard task == nil else { return }
            let interval = UInt64(max(0.01, configuration.tickInterval) * 1_000_000_000)
            task = Task { [state] in
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: interval)
                    state.locked { state.tick() }
                }
            }
        }
        configuration.logger.info("JDMA emulator listening", metadata: [
            "url": "\(baseURL.absoluteString)", "state": "\(stateDirectory.path)",
        ])
        return bound
    }

    /// Starts again after `stop`, on the port it had, with the state it kept: an outage ends.
    @discardableResult
    public func restart() throws -> Int { try start(port: server.lastPort ?? 0) }

    /// Stops the listener and the stage clock. Idempotent.
    public func stop() {
        faults.removeAll() // ends any `.hang` so the server can stop
        clock.update { task in
            task?.cancel()
            task = nil
        }
        if !server.stop() { configuration.logger.warning("JDMA listener did not stop within 10 s") }
    }

    /// `http://127.0.0.1:<port>/jdma_control/api/v1/` — the API root (`<server>/api/v1/`); valid after `start`.
    public var baseURL: URL {
        URL(string: "http://127.0.0.1:\(server.port ?? 0)/jdma_control/api/v1/") ?? URL(fileURLWithPath: "/")
    }

    /// `http://127.0.0.1:<port>/jdma_control` — what `JDMA_SERVER_URL` is for the real client (the API root is
    /// `<server>/api/v1/`); valid after `start`.
    public var serverURL: URL {
        URL(string: "http://127.0.0.1:\(server.port ?? 0)/jdma_control") ?? URL(fileURLWithPath: "/")
    }

    // MARK: Fixtures

    /// Adds an initialised user (email `<name>@example.org`) and makes them a member of each workspace; a
    /// workspace that does not exist yet is created with `quotaBytes` on every storage backend.
    public func addUser(_ name: String, workspaces: [String], quotaBytes: Int64) {
        state.locked {
            state.users[name] = state.users[name] ?? JDMAUser(name: name, email: "\(name)@example.org", notify: true)
            for workspace in workspaces {
                if state.workspaces[workspace] == nil {
                    state.workspaces[workspace] = JDMAWorkspace(
                        name: workspace, members: [],
                        quota: Dictionary(uniqueKeysWithValues: state.storageBackends.map { ($0.id, quotaBytes) }), used: [:])
                }
                state.workspaces[workspace]?.members.insert(name)
            }
        }
    }

    /// Sets a workspace's quota on one storage backend (bytes), e.g. to provoke the quota error.
    public func setQuota(workspace: String, storage: String = "elastictape", bytes: Int64) {
        state.locked { state.workspaces[workspace]?.quota[storage] = bytes }
    }

    /// Bytes charged against a workspace's quota on one backend.
    public func quotaUsed(workspace: String, storage: String = "elastictape") -> Int64 {
        state.locked { state.workspaces[workspace]?.used[storage] ?? 0 }
    }

    /// Adds a batch owned by `user` whose files (keys: paths relative to the batch, `a/b.nc`) are already in the
    /// store, with original paths `/gws/nopw/j04/<workspace>/<label>/<path>`. `onTape`: ON_STORAGE at once;
    /// otherwise PUTTING with a PUT request in flight that the stage clock (or `completeRequest`) finishes.
    /// Charges the workspace quota. Returns the batch id.
    @discardableResult
    public func addBatch(user: String, workspace: String, label: String, files: [String: Data], onTape: Bool = true,
                         storage: String = "elastictape") throws -> Int {
        try state.locked {
            guard state.users[user] != nil, state.isMember(user, of: workspace) else {
                throw FixtureError.unknown("user \(user) in workspace \(workspace)")
            }
            let total = files.values.reduce(Int64(0)) { $0 + Int64($1.count) }
            let used = state.workspaces[workspace]?.used[storage] ?? 0
            guard used + total <= state.workspaces[workspace]?.quota[storage] ?? 0 else {
                throw FixtureError.quotaExceeded(workspace)
            }
            let id = state.makeID("batch")
            let common = "/gws/nopw/j04/\(workspace)/\(label)/"
            var batchFiles: [JDMABatchFile] = []
            for path in files.keys.sorted() {
                let relative = path.split(separator: "/").joined(separator: "/")
                let digest = try state.store.write(files[path] ?? Data(), batch: id, relativePath: relative)
                batchFiles.append(JDMABatchFile(pk: state.makeID("file"), originalPath: common + relative,
                                                relativePath: relative, size: Int64(files[path]?.count ?? 0), digest: digest))
            }
            let now = Date()
            state.batches[id] = JDMABatch(id: id, user: user, workspace: workspace, label: label, storage: storage,
                                          stage: onTape ? .onStorage : .putting,
                                          externalID: onTape ? "\(storage)-\(workspace)-\(id)" : nil,
                                          registeredDate: onTape ? now : nil, commonPath: common, files: batchFiles,
                                          archivePK: state.makeID("archive"))
            state.workspaces[workspace]?.used[storage] = used + total
            let request = JDMARequest(id: state.makeID("request"), user: user, type: .put, batchID: id,
                                      stage: onTape ? .putCompleted : .putPending, date: now,
                                      filelist: batchFiles.map(\.originalPath), targetPath: nil, failureReason: nil,
                                      dueAt: onTape ? nil : state.dueDate(from: now))
            state.requests[request.id] = request
            return id
        }
    }

    /// Where a batch file's bytes live in the store (`path` relative to the batch's common path).
    public func storedFile(batch: Int, path: String) -> URL {
        state.store.fileURL(batch: batch, relativePath: path)
    }

    // MARK: Stage machine control

    /// Changes the tape delay for pending and future requests (nil: requests move only on `completeRequest`).
    public func setTapeDelay(_ seconds: TimeInterval?) {
        state.locked {
            state.tapeDelay = seconds
            for (id, request) in state.requests where !request.stage.isFinished {
                state.requests[id]?.dueAt = state.dueDate(from: request.date)
            }
            state.tick()
        }
    }

    /// Completes one request now (PUT → ON_STORAGE, GET → files written, DELETE → DELETED).
    public func completeRequest(_ id: Int) { state.locked { state.complete(id) } }

    /// Completes every unfinished request, oldest first.
    public func completeAllRequests() {
        state.locked {
            for id in state.requests.keys.sorted() { state.complete(id) }
        }
    }

    /// Fails an unfinished request (stage FAILED with `reason`); a failed PUT fails its batch.
    public func failRequest(_ id: Int, reason: String = "Emulated tape failure") {
        state.locked { state.fail(id, reason: reason) }
    }

    public func batchStage(_ batch: Int) -> JDMABatchStage? { state.locked { state.batches[batch]?.stage } }

    public func requestStage(_ request: Int) -> JDMARequestStage? { state.locked { state.requests[request]?.stage } }

    /// Ids of the requests of one type (nil: any) for a batch, oldest first.
    public func requests(batch: Int, type: JDMARequestType? = nil) -> [Int] {
        state.locked {
            state.requests.values.filter { $0.batchID == batch && (type == nil || $0.type == type) }.map(\.id).sorted()
        }
    }

    public enum FixtureError: Error, CustomStringConvertible {
        case unknown(String)
        case quotaExceeded(String)

        public var description: String {
            switch self {
            case .unknown(let what): return "JDMA emulator fixture: unknown \(what)"
            case .quotaExceeded(let workspace): return "JDMA emulator fixture: quota of \(workspace) exceeded"
            }
        }
    }
}
