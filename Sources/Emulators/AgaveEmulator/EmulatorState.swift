import EmulatorSupport
import Foundation
import Logging

/// Everything the request handlers share: configuration, the on-disk layout, tokens, systems and the test
/// hooks. Thread-safe (each member guards itself; the base URL is set once at start).
final class EmulatorState: @unchecked Sendable {
    let configuration: AgaveEmulator.Configuration
    let stateDirectory: URL
    /// `<state>/systems`; each system's rootDir is a directory below it.
    let systemsDirectory: URL
    /// `<state>/.incoming`: upload bodies are written here first and stay until staged into place (same file system).
    let incomingDirectory: URL
    let registry: SystemRegistry
    let tokens = TokenStore()
    let requestLog = RequestLog()
    let faults = FaultInjector()
    /// Staging events of every file (imports and uploads record them; the history endpoint serves them).
    let history = FileHistoryLog()
    let imports: StagingQueue
    let uploads: StagingQueue
    let listingCache = DirectoryListingCache()
    /// Jobs and their outputs, under `<state>/jobs`.
    let jobs: JobStore
    var logger: Logger { configuration.logger }

    private let lock = NSLock()
    private var _baseURL = "http://127.0.0.1"

    init(stateDirectory: URL, configuration: AgaveEmulator.Configuration) throws {
        self.configuration = configuration
        self.stateDirectory = stateDirectory
        systemsDirectory = stateDirectory.appendingPathComponent("systems", isDirectory: true)
        incomingDirectory = stateDirectory.appendingPathComponent(".incoming", isDirectory: true)
        let fm = FileManager.default
        try fm.createDirectory(at: systemsDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(at: incomingDirectory, withIntermediateDirectories: true)
        registry = try SystemRegistry(stateDirectory: stateDirectory)
        jobs = try JobStore(stateDirectory: stateDirectory)
        imports = StagingQueue(label: "agave-emulator.import-staging", history: history, delay: configuration.stagingDelay)
        uploads = StagingQueue(label: "agave-emulator.upload-staging", history: history, delay: configuration.stagingDelay)
    }

    /// `http://127.0.0.1:<port>` once the server listens; used in `_links`.
    var baseURL: String {
        get { lock.withLock { _baseURL } }
        set { lock.withLock { _baseURL = newValue } }
    }

    var objects: FileObjects { FileObjects(baseURL: baseURL, timeZone: configuration.timeZone) }

    func rootDirectory(of systemId: String) -> URL {
        systemsDirectory.appendingPathComponent(systemId, isDirectory: true)
    }

    /// Resolves a known system and already-decoded segments.
    func systemPath(systemId: String, segments: [String]) throws -> SystemPath {
        guard registry.system(id: systemId) != nil else {
            throw AgaveError(404, "No storage system found with id \(systemId)")
        }
        return SystemPath(systemId: systemId, segments: segments, root: rootDirectory(of: systemId))
    }

    /// Resolves a percent-encoded system id and percent-encoded path segments from the URL.
    func systemPath<S: Sequence>(rawSystemId: Substring, rawSegments: S) throws -> SystemPath
    where S.Element: StringProtocol {
        guard let systemId = FormEncoding.percentDecode(rawSystemId, plusIsSpace: false) else {
            throw AgaveError.badRequest("Invalid system id")
        }
        return try systemPath(systemId: systemId, segments: SystemPath.decodedSegments(rawSegments))
    }

    /// The default storage system, for the `/files/v2/<kind>/<path>` variants without `/system/<id>`.
    func defaultSystemPath<S: Sequence>(rawSegments: S) throws -> SystemPath where S.Element: StringProtocol {
        guard let system = registry.defaultSystem else { throw AgaveError(404, "No default storage system found") }
        return try systemPath(systemId: system.id, segments: SystemPath.decodedSegments(rawSegments))
    }

    /// Clamps the `limit`/`offset` query parameters the way Agave's `AbstractAgaveResource` does: a missing or
    /// non-positive limit takes the default, anything above the maximum is silently lowered.
    func paging(_ query: [String: String]) -> (limit: Int, offset: Int) {
        var limit = query["limit"].flatMap { Int($0) } ?? configuration.defaultPageLimit
        if limit <= 0 { limit = configuration.defaultPageLimit }
        limit = min(limit, configuration.maxPageLimit)
        let offset = max(0, query["offset"].flatMap { Int($0) } ?? 0)
        return (limit, offset)
    }
}
