import Foundation

/// An HTTP proxy a client sends its requests through (a site's Squid or XCache), and the hosts it bypasses.
///
/// Without one (`HTTPClientConfiguration.proxy` nil) libcurl keeps its usual behaviour and honours the standard
/// environment variables (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`); with one, these settings win over
/// the environment. The URL may carry `user:password@`: it is never logged (see `description`).
public struct ProxySettings: Sendable, Equatable, CustomStringConvertible {
    /// `http://host:port` (or `socks5h://…`, whatever libcurl's CURLOPT_PROXY takes).
    public var url: String
    /// libcurl's CURLOPT_NOPROXY list: comma-separated host names, domains (`.cern.ch`) or `*`; nil = none.
    public var noProxy: String?

    public init(url: String, noProxy: String? = nil) {
        self.url = url
        self.noProxy = noProxy
    }

    /// The proxy without its credentials, for logs and errors.
    public var description: String {
        URLRedaction.redact(url) + (noProxy.map { " (not for \($0))" } ?? "")
    }
}
