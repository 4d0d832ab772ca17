import AMIEEmulator
import Foundation
import JDMAEmulator
import SciencefsX509
import XCTest

/// TLS verification per source: Agave, Rucio, JDMA and AMIE served over HTTPS by a real nginx whose certificate
/// comes from a throw-away CA. Without the CA in the config every source refuses the server with a log line
/// that says what to configure; with `ca_bundle` naming the CA every source lists.
final class MountTLSTests: XCTestCase {
    private var fixture: MountFixture!
    private var jdma: JDMAEmulator!
    private var amie: AMIEEmulator!
    private var front: TLSFront!
    private var pki: TestPKI!

    override func setUpWithError() throws {
        fixture = try MountFixture(withRucio: true)
        try fixture.writeServerFile("shared/a.txt", Data("a\n".utf8))
        try fixture.rucio?.addScope("user.alice", account: "alice")
        jdma = try JDMAEmulator(stateDirectory: fixture.root.appendingPathComponent("jdma"))
        _ = try jdma.start()
        jdma.addUser("alice", workspaces: ["gws"], quotaBytes: 1 << 30)
        amie = AMIEEmulator()
        try amie.start()
        pki = try TestPKI.create(in: fixture.root.appendingPathComponent("pki"))
        let upstreams = [fixture.emulator.baseURL.port, fixture.rucio?.baseURL.port, jdma.serverURL.port, amie.baseURL.port]
        front = try TLSFront(upstreams: upstreams.compactMap { $0 }, certificate: pki.serverCertificate, key: pki.serverKey,
                             directory: fixture.root.appendingPathComponent("nginx"))
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        front?.stop()
        jdma?.stop()
        amie?.stop()
    }

    /// `https://127.0.0.1:<front port><path of the emulator's URL>`.
    private func https(_ url: URL) -> String {
        let port = front.ports[url.port ?? 0] ?? 0
        let path = url.path == "/" ? "" : url.path
        return "https://127.0.0.1:\(port)\(path)"
    }

    private func writeConfig(trustCA: Bool) throws {
        let ca = trustCA ? "ca_bundle = \"\(pki.caCertificate.path)\"" : ""
        let config = """
            cache_dir = "\(fixture.cacheRoot.path)"

            [sources.agave]
            type = "agave"
            base_url = "\(https(fixture.emulator.baseURL))"
            api_key = "\(fixture.emulator.configuration.clientKey)"
            api_secret = "\(fixture.emulator.configuration.clientSecret)"
            username = "alice"
            password = "alice-password"
            credentials_file = "\(fixture.root.appendingPathComponent("no-agave-cli").path)"
            timeout = 5
            \(ca)

            [sources.rucio]
            type = "rucio"
            rucio_host = "\(https(fixture.rucio!.baseURL))"
            account = "alice"
            auth_type = "userpass"
            username = "alice"
            password = "alice-password"
            timeout = 5
            \(ca)

            [sources.jdma]
            type = "jdma"
            base_url = "\(https(jdma.serverURL))"
            username = "alice"
            workspaces = ["gws"]
            staging_dir = "\(fixture.root.appendingPathComponent("staging").path)"
            timeout = 5
            \(ca)

            [sources.amie]
            type = "amie"
            base_url = "\(https(amie.baseURL))"
            site_name = "\(amie.configuration.siteName)"
            api_key = "\(amie.configuration.apiKey)"
            timeout = 5
            \(ca)
            """
        try config.write(to: fixture.configURL, atomically: true, encoding: .utf8)
    }

    /// A directory per source whose listing needs the server, and a name it must then hold (nil: may be empty).
    private var listings: [(source: String, path: String, expected: String?)] {
        [("agave", "agave/systems/\(MountFixture.system)/shared", "a.txt"), ("rucio", "rucio", "user.alice"),
         ("jdma", "jdma", "gws"), ("amie", "amie/packets/incoming", nil)]
    }

    func testEverySourceRefusesAnUntrustedServerWithAClearMessage() throws {
        try writeConfig(trustCA: false)
        try fixture.mount()
        for (source, path, _) in listings {
            let ls = fixture.run("ls", [fixture.mountpoint.appendingPathComponent(path).path], timeout: 120)
            XCTAssertNotEqual(ls.status, 0, "\(source): an untrusted server must be refused, got \(ls.text)")
            XCTAssertTrue(ls.text.isEmpty, "\(source) listed nothing")
        }
        let log = fixture.log
        for (source, _, _) in listings {
            let line = log.split(separator: "\n").first {
                $0.contains("not trusted") && ($0.contains("source=\(source)") || $0.contains("path=/\(source)"))
            }
            XCTAssertNotNil(line, "\(source): the log must say the certificate is not trusted:\n\(log.suffix(3000))")
        }
        XCTAssertTrue(log.contains("ca_bundle"), "the message says what to configure")
        XCTAssertTrue(fixture.isMounted)
    }

    func testEverySourceListsOnceItsConfigNamesTheCA() throws {
        try writeConfig(trustCA: true)
        try fixture.mount()
        for (source, path, expected) in listings {
            let ls = fixture.run("ls", [fixture.mountpoint.appendingPathComponent(path).path], timeout: 120)
            XCTAssertEqual(ls.status, 0, "\(source): \(ls.stderr)")
            if let expected { XCTAssertTrue(ls.lines.contains(expected), "\(source): \(ls.lines)") }
        }
    }
}
