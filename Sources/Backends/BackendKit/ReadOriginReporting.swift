import SciencefsCore
import SciencefsHTTP

extension ReadOrigins.Reporter {
    /// Reports a read of `path` served from `url`, without the credentials a URL can carry (user info, and the
    /// query and fragment where signed storage URLs keep their tokens), followed by `detail` (e.g. "RSE CERN-PROD").
    public func report(_ path: RemotePath, url: String, detail: String? = nil) {
        let safe = URLRedaction.redact(url)
        report(path, from: detail.map { "\(safe) (\($0))" } ?? safe)
    }
}
