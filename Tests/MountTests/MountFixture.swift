import AgaveEmulator
import Foundation
import Synchronization
import RucioEmulator
import XCTest

/// One user's session: an Agave emulator on 127.0.0.1, a config file, and the real `sciencefs` binary mounted
/// (`mount -f`) on a temporary directory. Always unmounted and its process ended in `tearDown`.
final class MountFixture {
    let root: URL
    let mountpoint: URL
    let cacheRoot: URL
    let configURL: URL
    let logURL: URL
    let emulator: AgaveEmulator
    /// Started when the session also mounts a Rucio source (directory `rucio/`).
    let rucio: RucioEmulator?
    private(set) var process: Process?

    static let system = "data.test"
    static let otherSystem = "scratch.test"

    /// `extraConfig` is appended to the config file (more `[sources.NAME]` tables); `agaveSettings` and
    /// `rucioSettings` are extra lines inside those sources' tables (e.g. `timeout = 2`); `mountSettings` are
    /// top-level lines (e.g. `attr_timeout = 0`).
    init(maxPageLimit: Int = 100, tokenLifetime: TimeInterval = 14_400, listingTTL: Double = 60,
         withRucio: Bool = false, extraConfig: String = "", agaveSettings: String = "", rucioSettings: String = "",
         mountSettings: String = "", dataCacheMB: Int = 512) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-mount-\(UUID().uuidString)")
        mountpoint = root.appendingPathComponent("mnt")
        cacheRoot = root.appendingPathComponent("cache")
        configURL = root.appendingPathComponent("config.toml")
        logURL = root.appendingPathComponent("sciencefs.log")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        var configuration = AgaveEmulator.Configuration()
        configuration.users = ["alice": "alice-password"]
        configuration.maxPageLimit = maxPageLimit
        configuration.tokenLifetime = tokenLifetime
        emulator = try AgaveEmulator(stateDirectory: root.appendingPathComponent("agave"), configuration: configuration)
        try emulator.addSystem(id: Self.system, name: "Test data", description: "data")
        try emulator.addSystem(id: Self.otherSystem, name: "Test scratch", description: "scratch")
        let port = try emulator.start(port: 0)
        var rucioSource = ""
        if withRucio {
            let rucio = try RucioEmulator(stateDirectory: root.appendingPathComponent("rucio"))
            let rucioPort = try rucio.start()
            self.rucio = rucio
            rucioSource = """

                [sources.rucio]
                type = "rucio"
                rucio_host = "http://127.0.0.1:\(rucioPort)"
                account = "alice"
                auth_type = "userpass"
                username = "alice"
                password = "alice-password"
                upload_rse = "SITE_A"
                listing_ttl = \(listingTTL)
                attribute_ttl = \(listingTTL)
                \(rucioSettings)

                """
        } else {
            self.rucio = nil
        }
        let config = """
            cache_dir = "\(cacheRoot.path)"
            data_cache_size_mb = \(dataCacheMB)
            \(mountSettings)

            [sources.agave]
            type = "agave"
            base_url = "http://127.0.0.1:\(port)"
            api_key = "\(configuration.clientKey)"
            api_secret = "\(configuration.clientSecret)"
            username = "alice"
            password = "alice-password"
            credentials_file = "\(root.appendingPathComponent("no-agave-cli").path)"
            listing_ttl = \(listingTTL)
            attribute_ttl = \(listingTTL)
            \(agaveSettings)

            """ + rucioSource + extraConfig
        try config.write(to: configURL, atomically: true, encoding: .utf8)
    }

    /// Adds lines to the config file (before `mount`), e.g. tables that need the emulators' ports.
    func appendConfig(_ text: String) throws {
        let existing = try String(contentsOf: configURL, encoding: .utf8)
        try (existing + "\n" + text + "\n").write(to: configURL, atomically: true, encoding: .utf8)
    }

    /// The path of `relative` inside system `system` in the mount.
    func path(_ relative: String = "", system: String = MountFixture.system) -> String {
        let base = mountpoint.appendingPathComponent("agave/systems/\(system)").path
        return relative.isEmpty ? base : base + "/" + relative
    }

    /// The path of `relative` inside the Rucio source in the mount.
    func rucioPath(_ relative: String) -> String {
        mountpoint.appendingPathComponent("rucio").path + "/" + relative
    }

    /// The emulator's own copy of a file (what the server stores).
    func serverFile(_ relative: String, system: String = MountFixture.system) -> URL {
        emulator.localURL(system: system, path: relative)
    }

    func writeServerFile(_ relative: String, _ data: Data, system: String = MountFixture.system) throws {
        let url = serverFile(relative, system: system)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// The `sciencefs` executable built alongside the test bundle (or `$SCIENCEFS_BINARY`).
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SCIENCEFS_BINARY"] { return URL(fileURLWithPath: path) }
        let bundle = Bundle(for: MountFixture.self).bundleURL
        let candidates = [bundle.appendingPathComponent("sciencefs"),
                          bundle.deletingLastPathComponent().appendingPathComponent("sciencefs")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    /// The `sciencefs-demo` executable, built beside `sciencefs` (which it runs to mount).
    static var demoBinary: URL { binary.deletingLastPathComponent().appendingPathComponent("sciencefs-demo") }

    func mount(options: [String] = []) throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["mount", "-f", "-d", "--config", configURL.path, "--log-file", logURL.path]
            + options.flatMap { ["-o", $0] } + [mountpoint.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // The user's own Rucio client settings must not leak into a test mount.
        var environment = ProcessInfo.processInfo.environment
        for name in ["RUCIO_CONFIG", "RUCIO_HOME", "VIRTUAL_ENV", "CONDA_PREFIX", "RUCIO_ACCOUNT", "RUCIO_AUTH_TYPE",
                     "X509_USER_PROXY", "BEARER_TOKEN", "BEARER_TOKEN_FILE"] {
            environment[name] = nil
        }
        process.environment = environment
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if isMounted { return }
            if !process.isRunning { throw FixtureError("sciencefs exited with \(process.terminationStatus):\n\(log)") }
            usleep(50_000)
        }
        throw FixtureError("mount did not appear within 30 s:\n\(log)")
    }

    var isMounted: Bool {
        let info = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").contains { $0.contains(" \(mountpoint.path) ") && $0.contains("fuse.sciencefs") }
    }

    /// Unmounts like a user would and waits for the daemon to finish its uploads and exit.
    func unmount() {
        guard let process else { return }
        if isMounted { _ = run("fusermount3", ["-u", mountpoint.path]) }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            _ = run("fusermount3", ["-uz", mountpoint.path])
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        self.process = nil
    }

    func tearDown() {
        unmount()
        assertNoSecretInTheLog()
        emulator.stop()
        rucio?.stop()
        try? FileManager.default.removeItem(at: root)
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Every mount test's session log (written at debug level) is checked on the way out: no password, client
    /// secret, token the emulators issued, or private key may appear in it.
    func assertNoSecretInTheLog(file: StaticString = #filePath, line: UInt = #line) {
        let text = log
        guard !text.isEmpty else { return }
        var secrets = ["alice-password", emulator.configuration.clientSecret] + emulator.issuedTokens
        secrets += rucio?.issuedTokens ?? []
        for secret in secrets where secret.count >= 8 && text.contains(secret) {
            XCTFail("a secret reached the sciencefs log (\(secret.prefix(4))…)", file: file, line: line)
        }
        XCTAssertFalse(text.contains("PRIVATE KEY"), "key material reached the sciencefs log", file: file, line: line)
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
        var lines: [String] { text.split(separator: "\n").map(String.init) }
    }

    /// Runs a real tool and collects its output.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], timeout: TimeInterval = 120) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return Result(status: -1, stdout: Data(), stderr: "\(error)") }
        let stdout = Mutex(Data())
        let stderr = Mutex(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            stdout.withLock { $0 = data }
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            stderr.withLock { $0 = data }
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            group.wait()
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdout.withLock { $0 },
                      stderr: String(decoding: stderr.withLock { $0 }, as: UTF8.self))
    }

    /// Runs a shell pipeline (for `dd ... | cmp`, redirections).
    @discardableResult
    func shell(_ script: String) -> Result { run("bash", ["-c", script]) }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
