import EmulatorSupport
import Foundation
import Logging

/// Everything the request handlers share: configuration, the on-disk layout, tokens, systems, jobs, transfer
/// tasks and the test hooks. Thread-safe: each member guards itself; the mutable settings sit in `LockedValue`s.
final class TapisState: @unchecked Sendable {
    let configuration: TapisEmulator.Configuration
    let stateDirectory: URL
    /// `<state>/systems`; each system's rootDir is a directory below it.
    let systemsDirectory: URL
    /// `<state>/.incoming`: upload bodies are written here first, then renamed into place (same file system).
    let incomingDirectory: URL
    let tokens = TapisTokens()
    let requestLog = RequestLog()
    let faults = FaultInjector()
    let jobs: TapisJobStore
    let transfers: TransferTasks
    var logger: Logger { configuration.logger }

    private let systemList = LockedValue<[TapisSystem]>([])
    private let base = LockedValue("http://127.0.0.1")
    private let lifetime: LockedValue<TimeInterval>

    init(stateDirectory: URL, configuration: TapisEmulator.Configuration) throws {
        self.configuration = configuration
        self.stateDirectory = stateDirectory
        systemsDirectory = stateDirectory.appendingPathComponent("systems", isDirectory: true)
        incomingDirectory = stateDirectory.appendingPathComponent(".incoming", isDirectory: true)
        try FileManager.default.createDirectory(at: systemsDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: incomingDirectory, withIntermediateDirectories: true)
        jobs = try TapisJobStore(directory: stateDirectory.appendingPathComponent("jobs", isDirectory: true))
        transfers = TransferTasks(stepDelay: configuration.transferStepDelay, logger: configuration.logger)
        lifetime = LockedValue(configuration.tokenLifetime)
    }

    /// `http://127.0.0.1:<port>` once the server listens.
    var baseURL: String {
        get { base.get() }
        set { base.set(newValue) }
    }

    /// Seconds a newly issued access token lives; starts as `configuration.tokenLifetime`.
    var tokenLifetime: TimeInterval {
        get { lifetime.get() }
        set { lifetime.set(newValue) }
    }

    var systems: [TapisSystem] { systemList.get() }

    func system(id: String) -> TapisSystem? { systemList.get().first { $0.id == id } }

    func upsert(_ system: TapisSystem) {
        systemList.update { list in
            if let index = list.firstIndex(where: { $0.id == system.id }) { list[index] = system } else { list.append(system) }
        }
    }

    func rootDirectory(of systemId: String) -> URL {
        systemsDirectory.appendingPathComponent(systemId, isDirectory: true)
    }

    /// Resolves a known system and already-decoded segments; 404 for an unknown system.
    func path(systemId: String, segments: [String]) throws -> SystemPath {
        guard system(id: systemId) != nil else { throw TapisError.notFound("System not found: \(systemId)") }
        return SystemPath(systemId: systemId, segments: segments, root: rootDirectory(of: systemId))
    }

    /// Resolves a percent-encoded system id and percent-encoded path segments from the URL.
    func path<S: Sequence>(rawSystemId: Substring, rawSegments: S) throws -> SystemPath where S.Element: StringProtocol {
        guard let systemId = FormEncoding.percentDecode(rawSystemId, plusIsSpace: false) else {
            throw TapisError.badRequest("Invalid system id")
        }
        return try path(systemId: systemId, segments: SystemPath.decodedSegments(rawSegments))
    }

    /// Resolves `tapis://<systemId>/<path>` (docs/protocols/tapis.md §6).
    func path(tapisURI uri: String) throws -> SystemPath {
        let prefix = "tapis://"
        guard uri.lowercased().hasPrefix(prefix) else {
            throw TapisError.badRequest("Only tapis:// URIs are supported by the emulator: \(uri)")
        }
        let rest = uri.dropFirst(prefix.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let system = FormEncoding.percentDecode(rest[..<slash], plusIsSpace: false) ?? String(rest[..<slash])
        let rawPath = rest[slash...]
        let decoded = FormEncoding.percentDecode(rawPath, plusIsSpace: false) ?? String(rawPath)
        return try path(systemId: system, segments: SystemPath.validatedSegments(decoded))
    }

    /// Throws 403 unless the user may change files on `system`.
    func requireModify(_ path: SystemPath) throws {
        guard system(id: path.systemId)?.permission == .modify else {
            throw TapisError.forbidden("User does not have MODIFY permission on system \(path.systemId)")
        }
    }
}
