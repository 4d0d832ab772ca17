import Foundation
import JDMABackend
import Logging
import SciencefsCore

extension BackendFactory {
    /// A JDMA source: `base_url` (the JDMA server, e.g. https://jdma.ceda.ac.uk/jdma_control), `username` (the
    /// name JDMA knows, default $USER), `workspaces`, and `staging_dir`, a directory on the shared disk that JDMA can
    /// write retrieved files into and read uploads from. The JDMA client's `~/.jdma.json` (or `credentials_file`)
    /// gives the storage backend's secrets and the defaults for `storage` and `workspaces`, as `jdma` uses them.
    static func makeJDMA(name: String, _ source: SourceConfiguration, logger: Logger) throws -> Backend {
        guard let server = source.baseURL else {
            throw ConfigurationError("source \(name): a JDMA source needs base_url (the JDMA server)")
        }
        guard let user = source.username ?? ProcessInfo.processInfo.environment["USER"] else {
            throw ConfigurationError("source \(name): a JDMA source needs username")
        }
        guard let staging = source.stagingDir.map(expandTilde) else {
            throw ConfigurationError("source \(name): a JDMA source needs staging_dir (shared disk JDMA can reach)")
        }
        let settingsURL = source.credentialsFile.map { URL(fileURLWithPath: expandTilde($0)) }
            ?? JDMASettingsFile.defaultLocation()
        let settings: JDMASettingsFile?
        do { settings = try JDMASettingsFile.load(from: settingsURL) } catch {
            throw ConfigurationError("source \(name): \(error)")
        }
        if source.credentialsFile != nil, settings == nil {
            throw ConfigurationError("source \(name): credentials_file \(settingsURL.path) does not exist")
        }
        let workspaces = source.workspaces ?? settings?.defaultWorkspace.map { [$0] } ?? []
        var config = JDMAConfiguration(name: name, serverURL: server, userName: user, workspaces: workspaces,
                                       stagingDirectory: URL(fileURLWithPath: staging))
        if let v = source.storage ?? settings?.defaultStorage { config.storage = v }
        config.credentials = settings?.credentials(for: config.storage) ?? [:]
        if let v = source.readTimeout?.value { config.readTimeout = v }
        if let v = source.quietPeriod?.value { config.quietPeriod = v }
        if let v = source.allowBatchDelete { config.allowBatchDelete = v }
        if let v = source.verifyWholeMB { config.verification = try verificationPolicy(name, megabytes: v) }
        config.apply(source, name: name, logger: logger)
        return try JDMABackend(configuration: config, logger: logger)
    }
}
