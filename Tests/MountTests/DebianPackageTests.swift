import Foundation
import Synchronization
import TestSupport
import XCTest

/// A user installing sciencefs from its Debian package: `mount-helpers/build-deb`, `dpkg -i` on this machine, then
/// only what the package put there (the binary on PATH, `man`, the completions, `mount -t fuse.sciencefs`), and
/// `dpkg --purge` at the end of every test, so the machine is left as it was.
final class DebianPackageTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let installedBinary = "/usr/bin/sciencefs"

    /// The package, built once per test run: the static release build behind it takes minutes.
    private static let package = Mutex<PackageBuild?>(nil)  // guards the one build of the run and its outcome
    private enum PackageBuild: Sendable {
        case built(URL)
        case failed(String)
    }

    /// Where this run's package is written; removed after the last test.
    private static let packageDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sciencefs-deb-\(getpid())")

    private var installed = false
    private var fixture: MountFixture?

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("installing a .deb with dpkg -i needs root") }
        guard TestProcess.which("dpkg-deb") != nil, TestProcess.which("dpkg") != nil else {
            throw XCTSkip("dpkg-deb is not installed (not a Debian-based system)")
        }
        if try dpkg(["-s", "sciencefs"]).status == 0 {
            throw XCTSkip("a sciencefs package is installed on this machine; the test would replace and remove it")
        }
        for path in [Self.installedBinary, "/sbin/mount.fuse.sciencefs", "/sbin/mount.sciencefs"]
        where FileManager.default.fileExists(atPath: path) {
            throw XCTSkip("\(path) exists (a hand install); installing the package would overwrite it")
        }
        let deb = try Self.builtPackage()
        let install = try dpkg(["-i", deb.path])
        installed = install.status == 0
        XCTAssertEqual(install.status, 0, install.output)
        guard installed else { throw XCTSkip("dpkg -i failed; see the failure above") }
    }

    override func tearDown() {
        if let fixture {
            if fixture.isMounted {
                print("--- sciencefs log ---\n\(backgroundLog(fixture).suffix(4000))")
                _ = try? TestProcess.run("/usr/bin/fusermount3", ["-u", fixture.mountpoint.path], timeout: 30)
            }
            waitForBackgroundDaemons(fixture)
            fixture.tearDown()
        }
        fixture = nil
        if installed {
            let purge = try? dpkg(["--purge", "sciencefs"])
            XCTAssertEqual(purge?.status, 0, purge?.output ?? "dpkg --purge did not run")
            XCTAssertFalse(FileManager.default.fileExists(atPath: Self.installedBinary), "dpkg --purge removed the binary")
        }
        installed = false
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: packageDirectory)
        super.tearDown()
    }

    func testThePackageInstallsTheVersionedBinaryManPagesAndCompletions() throws {
        let version = try run(Self.installedBinary, ["--version"])
        XCTAssertEqual(version.status, 0, version.output)
        let printed = version.output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try run("/usr/bin/dpkg-query", ["-W", "-f", "${Version}", "sciencefs"]).output, printed,
                       "the package is named after the version the binary prints")
        XCTAssertEqual(try run(MountFixture.binary.path, ["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines),
                       printed, "the development build prints the same version: one source of truth")
        XCTAssertNotNil(printed.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+$"#, options: .regularExpression), printed)

        for page in ["sciencefs", "sciencefs-mount", "sciencefs-unmount", "sciencefs-status", "sciencefs-cp",
                     "sciencefs-uploads"] {
            let located = try run("/usr/bin/man", ["-w", page])
            XCTAssertEqual(located.output.trimmingCharacters(in: .whitespacesAndNewlines),
                           "/usr/share/man/man1/\(page).1.gz", "man -w \(page): \(located.output)")
        }
        let mountPage = try run("/usr/bin/man", ["sciencefs-mount"], environment: ["MANPAGER": "cat", "PAGER": "cat",
                                                                               "MANWIDTH": "100"])
        XCTAssertEqual(mountPage.status, 0, mountPage.output)
        XCTAssertTrue(mountPage.output.contains("--config"), mountPage.output)
        XCTAssertTrue(mountPage.output.contains("sciencefs mount"), mountPage.output)

        // bash, with the installed completion loaded, completes a subcommand and an option as <Tab> would.
        for (line, expected) in [("sciencefs mou", "mount"), ("sciencefs mount --c", "--config")] {
            let words = line.split(separator: " ").map { "'\($0)'" }.joined(separator: " ")
            let script = """
                source /usr/share/bash-completion/completions/sciencefs || exit 1
                COMP_WORDS=(\(words)); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
                _sciencefs sciencefs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let bash = try run("/bin/bash", ["-c", script])
            XCTAssertEqual(bash.status, 0, bash.output)
            XCTAssertEqual(bash.output.split(separator: "\n").map(String.init), [expected], "completing '\(line)'")
        }
        let zsh = try String(contentsOfFile: "/usr/share/zsh/vendor-completions/_sciencefs", encoding: .utf8)
        XCTAssertTrue(zsh.hasPrefix("#compdef sciencefs"), String(zsh.prefix(200)))
        let fish = try String(contentsOfFile: "/usr/share/fish/vendor_completions.d/sciencefs.fish", encoding: .utf8)
        XCTAssertTrue(fish.contains("complete -c 'sciencefs'"), String(fish.prefix(400)))

        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/sbin/mount.fuse.sciencefs"))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/sbin/mount.sciencefs"))
        // The user unit template names the binary without a path; systemd finds the installed one.
        let unit = "/usr/lib/systemd/user/sciencefs@.service"
        XCTAssertTrue(FileManager.default.fileExists(atPath: unit))
        if let analyze = TestProcess.which("systemd-analyze") {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-unit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let instance = directory.appendingPathComponent("sciencefs@home-alice-sci.service")
            try FileManager.default.copyItem(atPath: unit, toPath: instance.path)
            let verify = try run(analyze, ["verify", "--man=no", instance.path])
            XCTAssertEqual(verify.status, 0, verify.output)
            XCTAssertFalse(verify.output.contains("sciencefs"), verify.output)
        }
    }

    /// The installed binary runs without a Swift toolchain, needs only libraries of packages its control file
    /// depends on, and carries no emulator, Hummingbird or SwiftNIO (those are the demo's, in `sciencefs-demo`).
    func testTheInstalledBinaryNeedsOnlyItsDependenciesAndLinksNoEmulator() throws {
        let ldd = try run("/usr/bin/ldd", [Self.installedBinary])
        XCTAssertEqual(ldd.status, 0, ldd.output)
        XCTAssertFalse(ldd.output.contains("not found"), ldd.output)
        XCTAssertFalse(ldd.output.lowercased().contains("swift"), "the Swift runtime is linked in statically:\n\(ldd.output)")
        XCTAssertFalse(ldd.output.contains("NIO") || ldd.output.contains("Hummingbird"), ldd.output)

        // Every library the binary names (NEEDED) belongs to a package in Depends.
        let depends = try run("/usr/bin/dpkg-query", ["-W", "-f", "${Depends}", "sciencefs"]).output
        let dependedOn = Set(depends.split(separator: ",").map {
            String($0.trimmingCharacters(in: .whitespaces).prefix { $0 != " " && $0 != ":" })
        })
        XCTAssertTrue(dependedOn.isSuperset(of: ["fuse3", "libcurl4", "libsqlite3-0"]), depends)
        let resolved = Dictionary(ldd.output.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ")
            guard parts.count >= 3, parts[1] == "=>" else { return nil }
            return (String(parts[0].trimmingCharacters(in: .whitespaces)), String(parts[2]))
        }, uniquingKeysWith: { first, _ in first })
        let dynamicSection = try run("/usr/bin/objdump", ["-p", Self.installedBinary])
        let needed = dynamicSection.output.split(separator: "\n")
            .filter { $0.contains("NEEDED") }
            .compactMap { $0.split(separator: " ").last.map(String.init) }
        XCTAssertFalse(needed.isEmpty, dynamicSection.output)
        for library in needed where !library.hasPrefix("ld-linux") {
            let path = try XCTUnwrap(resolved[library], "ldd does not resolve \(library)")
            let owner = try packageOwning(path)
            XCTAssertTrue(dependedOn.contains(owner), "\(library) (\(path)) is in package \(owner), not in Depends: \(depends)")
        }

        let symbols = try run("/usr/bin/nm", [Self.installedBinary])
        XCTAssertEqual(symbols.status, 0, String(symbols.output.prefix(2000)))
        XCTAssertGreaterThan(symbols.output.utf8.count, 0, "the packaged binary keeps its symbol table")
        let foreign = symbols.output.split(separator: "\n").filter {
            $0.contains("NIOCore") || $0.contains("NIOPosix") || $0.contains("Hummingbird")
        }
        XCTAssertTrue(foreign.isEmpty, "\(foreign.count) SwiftNIO/Hummingbird symbols, e.g. \(foreign.prefix(3))")
    }

    /// `mount -t fuse.sciencefs CONFIG MOUNTPOINT` with nothing but the installed files: mount(8) finds
    /// /sbin/mount.fuse.sciencefs, which runs /usr/bin/sciencefs from PATH.
    func testMountEightMountsAnAgaveServiceThroughTheInstalledHelper() throws {
        let fixture = try MountFixture()
        self.fixture = fixture
        let data = PseudoRandomBytes.make(3 * 1024 * 1024 + 17, seed: 16)
        try fixture.writeServerFile("results/run-1.dat", data)
        try fixture.writeServerFile("README.txt", Data("installed from the .deb\n".utf8))

        let environment: [String: String?] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SCIENCEFS": nil]
        let mount = try run("/usr/bin/mount", ["-t", "fuse.sciencefs", fixture.configURL.path, fixture.mountpoint.path],
                            environment: environment)
        XCTAssertEqual(mount.status, 0, mount.output + backgroundLog(fixture))
        XCTAssertTrue(fixture.isMounted, "mount(8) returns once the filesystem answers")

        let listing = try run("/bin/ls", [fixture.path()])
        XCTAssertEqual(listing.output.split(separator: "\n").map(String.init), ["README.txt", "results"], listing.output)
        XCTAssertEqual(try run("/bin/cat", [fixture.path("README.txt")]).output, "installed from the .deb\n")
        let compare = try run("/usr/bin/cmp", [fixture.path("results/run-1.dat"), fixture.serverFile("results/run-1.dat").path])
        XCTAssertEqual(compare.status, 0, compare.output)

        let unmount = try run(Self.installedBinary, ["unmount", fixture.mountpoint.path], environment: environment)
        XCTAssertEqual(unmount.status, 0, unmount.output)
        XCTAssertFalse(fixture.isMounted)
    }

    // MARK: helpers

    /// Runs `build-deb` into a directory of this test run, once; later tests reuse the package.
    private static func builtPackage() throws -> URL {
        let outcome = package.withLock { build -> PackageBuild in
            if let build { return build }
            let outcome: PackageBuild
            do {
                let directory = packageDirectory
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let script = repository.appendingPathComponent("mount-helpers/build-deb").path
                // `swift test` holds the lock of .build while the tests run; it builds nothing meanwhile.
                let result = try TestProcess.run(script, [directory.path], environment: ["SWIFTPM_OPTIONS": "--ignore-lock"],
                                                 timeout: 3600)
                let path = result.output.split(separator: "\n").last.map(String.init) ?? ""
                if result.status == 0, path.hasSuffix(".deb"), FileManager.default.fileExists(atPath: path) {
                    outcome = .built(URL(fileURLWithPath: path))
                } else {
                    outcome = .failed("build-deb exited \(result.status):\n\(result.output.suffix(4000))")
                }
            } catch {
                outcome = .failed("build-deb could not run: \(error)")
            }
            build = outcome
            return outcome
        }
        switch outcome {
        case .built(let url): return url
        case .failed(let reason): throw FixtureError(reason)
        }
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String?] = [:]) throws -> ProcessOutput {
        try TestProcess.run(executable, arguments, environment: environment, timeout: 300)
    }

    private func dpkg(_ arguments: [String]) throws -> ProcessOutput {
        try run("/usr/bin/dpkg", arguments)
    }

    /// The package that holds `path`; on a merged-/usr system dpkg may know the file under /lib or /usr/lib.
    private func packageOwning(_ path: String) throws -> String {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var candidates = [path, real]
        for name in [path, real] {
            if name.hasPrefix("/usr/lib/") { candidates.append(String(name.dropFirst(4))) }
            else if name.hasPrefix("/lib/") { candidates.append("/usr" + name) }
        }
        for candidate in candidates {
            let search = try dpkg(["-S", candidate])
            if search.status == 0, let line = search.output.split(separator: "\n").first {
                return String(line.prefix { $0 != ":" })
            }
        }
        XCTFail("no package holds \(path)")
        return ""
    }

    /// The log of a mount made by mount(8): a background mount logs into its cache directory.
    private func backgroundLog(_ fixture: MountFixture) -> String {
        (try? String(contentsOf: fixture.cacheRoot.appendingPathComponent("sciencefs.log"), encoding: .utf8)) ?? ""
    }

    /// A background daemon ends on its own once unmounted; this waits for it (its pid is in the mount registry)
    /// so that the emulator stops after it.
    private func waitForBackgroundDaemons(_ fixture: MountFixture) {
        let registry = fixture.cacheRoot.appendingPathComponent("mounts")
        for file in (try? FileManager.default.contentsOfDirectory(at: registry, includingPropertiesForKeys: nil)) ?? [] {
            guard let data = try? Data(contentsOf: file),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let pid = json["pid"] as? Int32 else { continue }
            for _ in 0..<300 where kill(pid, 0) == 0 { usleep(100_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
    }
}
