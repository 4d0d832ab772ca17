import Foundation
import JDMABackend
import Logging
import SciencefsCore

extension BackendFactory {
    /// A JDMA source: `base_url` (the JDMA server, e.g. https://jdma.ceda.ac.uk/jdma_control), `username` (the
    /// name JDMA knows, default $USER), `workspaces`, and `staging_dir`, a directory on the shared disk that JDMA can
    /// write retrieved files into and read uploads from.
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
        var config = JDMAConfiguration(name: name, serverURL: server, userName: user, workspaces: source.workspaces ?? [],
                                       stagingDirectory: URL(fileURLWithPath: staging))
        if let v = source.storage { config.storage = v }
        if let v = source.readTimeout?.value { config.readTimeout = v }
        if let v = source.quietPeriod?.value { config.quietPeriod = v }
        if let v = source.allowBatchDelete { config.allowBatchDelete = v }
        if let v = source.verifyWholeMB { config.verification = try verificationPolicy(name, megabytes: v) }
        config.apply(source, name: name, logger: logger)
        return try JDMABackend(configuration: config, logger: logger)
    }
}
