import AgaveBackend
import AMIEBackend
import Foundation
import JDMABackend
import Logging
import RucioBackend
import SciencefsCore
import SciencefsHTTP

/// The settings every source type takes, read in one place (`apply`), so that no source type can miss one:
/// `timeout`, `retries`, `read_only`, `verify_tls` (with its warning), `ca_bundle` and the three TTLs. Each backend's
/// configuration names where they go.
protocol CommonSourceSettings {
    var verifyTLS: Bool { get set }
    var caBundlePath: String? { get set }
    var cachePolicy: CachePolicy { get set }
    var isWritable: Bool { get set }
    var stallTimeout: TimeInterval { get set }
    var retry: RetryPolicy { get set }
}

extension CommonSourceSettings {
    /// Applies what `[sources.NAME]` sets; logs once when TLS verification is off.
    mutating func apply(_ source: SourceConfiguration, name: String, logger: Logger) {
        if let v = source.verifyTLS { verifyTLS = v }
        if let v = source.caBundle { caBundlePath = expandTilde(v) }
        if let v = source.attributeTTL?.value { cachePolicy.attributeTTL = v }
        if let v = source.listingTTL?.value { cachePolicy.listingTTL = v }
        if let v = source.negativeTTL?.value { cachePolicy.negativeTTL = v }
        if let v = source.readOnly { isWritable = !v }
        if let v = source.timeout?.value { stallTimeout = max(1, v) }
        if let v = source.retries { retry.maxRetries = max(0, v) }
        if !verifyTLS {
            logger.warning("TLS certificate verification is off for this source", metadata: ["source": "\(name)"])
        }
    }
}

extension AgaveConfiguration: CommonSourceSettings {}
extension AMIEConfiguration: CommonSourceSettings {}
extension JDMAConfiguration: CommonSourceSettings {}
extension RucioConfiguration: CommonSourceSettings {
    var caBundlePath: String? {
        get { caCertPath }
        set { caCertPath = newValue }
    }
}
