import AgaveEmulator
import Foundation
import TapisEmulator

/// The demo's `config.toml`: one source per emulated service, FTS3 for copies between them. It holds the services'
/// passwords and keys, so it is written for its owner only (0600), as `sciencefs mount` asks of any config with
/// secrets in it.
enum DemoConfigFile {
    static func text(_ services: DemoServices, stateRoot: URL) -> String {
        let agave = services.agave
        return """
            # Written by sciencefs-demo: one source per emulated service, FTS3 for copies between them.
            cache_dir = "\(stateRoot.appendingPathComponent("cache").path)"

            [sources.agave]
            type = "agave"
            base_url = "http://127.0.0.1:\(services.agavePort)"
            api_key = "\(services.agaveConfiguration.clientKey)"
            api_secret = "\(services.agaveConfiguration.clientSecret)"
            username = "demo"
            password = "demo-password"
            # Ignore any real ~/.agave/current for the demo.
            credentials_file = "\(stateRoot.appendingPathComponent("no-agave-cli-credentials").path)"

            [sources.agave.transfer_urls]
            # Where FTS3 reaches each system's storage (the emulator's WebDAV door).
            "\(DemoData.dataSystem)" = "\(agave.storageDoorURL(system: DemoData.dataSystem))"
            "\(DemoData.scratchSystem)" = "\(agave.storageDoorURL(system: DemoData.scratchSystem))"

            [fts3]
            endpoint = "\(services.ftsEndpoint.absoluteString)"
            cert = "\(services.pki.userCertificate.path)"
            key = "\(services.pki.userKey.path)"
            ca_bundle = "\(services.pki.caCertificate.path)"

            [sources.rucio]
            type = "rucio"
            rucio_host = "http://127.0.0.1:\(services.rucioPort)"
            account = "alice"
            auth_type = "userpass"
            username = "alice"
            password = "alice-password"
            upload_rse = "SITE_A"

            [sources.jdma]
            type = "jdma"
            base_url = "\(services.jdma.serverURL.absoluteString)"
            username = "demo"
            workspaces = ["gws-climate"]
            staging_dir = "\(services.jdmaStaging.path)"

            [sources.tapis]
            type = "tapis"
            base_url = "\(services.tapis.baseURL.absoluteString)"
            username = "demo"
            password = "demo-password"

            [sources.tapis.transfer_urls]
            "\(TapisDemoData.workSystem)" = "\(services.tapis.storageDoorURL(system: TapisDemoData.workSystem))"

            [sources.amie]
            type = "amie"
            site_name = "DEMOSITE"
            api_key = "demo-amie-key"
            base_url = "\(services.amie.baseURL.absoluteString)"

            """
    }

    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes `text` to `url` with mode 0600, also when an older file there has a wider mode.
    static func write(_ text: String, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw WriteError(description: "cannot write \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else {
            throw WriteError(description: "cannot make \(url.path) private (chmod 600): \(String(cString: strerror(errno)))")
        }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw WriteError(description: "cannot write \(url.path): \(String(cString: strerror(errno)))") }
            bytes = bytes.dropFirst(written)
        }
    }
}
