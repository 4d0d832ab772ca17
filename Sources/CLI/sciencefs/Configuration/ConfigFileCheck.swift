import Foundation

/// A config file that holds secrets (passwords, API secrets, tokens) should be readable by its owner only.
enum ConfigFileCheck {
    /// A warning to log when `url` holds secrets and its group or others may read it; nil otherwise.
    static func warning(for url: URL, _ config: MountConfiguration) -> String? {
        guard config.holdsSecrets else { return nil }
        var info = stat()
        guard stat(url.path, &info) == 0, info.st_mode & 0o077 != 0 else { return nil }
        return "config file \(url.path) holds secrets but is readable by other users (mode "
            + String(info.st_mode & 0o777, radix: 8) + "): chmod 600 it, or keep secrets out of it (password_env, token_env)"
    }
}

extension MountConfiguration {
    /// Whether any table carries a secret in the file itself (not the name of an environment variable).
    var holdsSecrets: Bool {
        if fts3?.token != nil { return true }
        return sources.values.contains { source in
            source.password != nil || source.apiSecret != nil || source.apiKey != nil
        }
    }
}
