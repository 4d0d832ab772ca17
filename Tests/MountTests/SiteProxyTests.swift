import Foundation
import RucioEmulator
import XCTest

/// A site cache (docs/SITE-CACHE.md): two mounts on one "cluster", each with its own cache directory, read the same
/// Rucio file through the site's caching proxy (a real nginx with `proxy_cache`), and the storage server sends its
/// bytes once. A mount whose `no_proxy` names the storage host reads from the storage directly.
final class SiteProxyTests: XCTestCase {
    private var fixtures: [MountFixture] = []
    private var proxy: CachingProxy?
    private var proxyDirectory: URL?

    override func tearDown() {
        if (testRun?.failureCount ?? 0) > 0 {
            for fixture in fixtures { print("--- sciencefs log (last 3000 chars) ---\n\(fixture.log.suffix(3000))") }
            print("--- proxy requests ---\n\(proxy?.requests.joined(separator: "\n") ?? "")")
        }
        // The first fixture owns the Rucio emulator the others read from: it goes last.
        for fixture in fixtures.reversed() { fixture.tearDown() }
        fixtures = []
        proxy?.stop()
        proxy = nil
        if let proxyDirectory { try? FileManager.default.removeItem(at: proxyDirectory) }
    }

    /// A second node's mount of the first fixture's Rucio server, with its own cache directory; `settings` are extra
    /// lines of its `[sources.rucio]` table.
    private func otherNode(of first: MountFixture, settings: String) throws -> MountFixture {
        let rucio = try XCTUnwrap(first.rucio)
        let node = try MountFixture(extraConfig: """

            [sources.rucio]
            type = "rucio"
            rucio_host = "\(rucio.baseURL.absoluteString)"
            account = "alice"
            auth_type = "userpass"
            username = "alice"
            password = "alice-password"
            \(settings)

            """)
        fixtures.append(node)
        try node.mount()
        return node
    }

    func testTwoMountsReadTheSameFileThroughTheSiteCacheAndStorageSendsItOnce() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            throw XCTSkip("nginx is not installed (apt-get install nginx-light): no caching proxy to test with")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-site-cache-\(UUID().uuidString)")
        proxyDirectory = directory
        let proxy = try CachingProxy(directory: directory)
        self.proxy = proxy
        let first = try MountFixture(withRucio: true, rucioSettings: "proxy = \"\(proxy.url)\"")
        fixtures.append(first)
        let rucio = try XCTUnwrap(first.rucio)
        try rucio.addScope("user.alice", account: "alice")
        let bytes = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        try rucio.addFile(scope: "user.alice", name: "big.root", data: bytes, rses: ["SITE_A"])
        try first.mount()
        let second = try otherNode(of: first, settings: "proxy = \"\(proxy.url)\"")
        XCTAssertNotEqual(first.cacheRoot, second.cacheRoot)

        let expected = directory.appendingPathComponent("expected.root")
        try bytes.write(to: expected)
        for node in [first, second] {
            let read = node.run("cmp", [expected.path, node.rucioPath("user.alice/big.root")])
            XCTAssertEqual(read.status, 0, read.text + read.stderr)
        }
        let storageGets = { rucio.requestLog.all.filter { $0.listener == "SITE_A" && $0.method == "GET" && $0.path.hasSuffix("/big.root") } }
        XCTAssertEqual(storageGets().reduce(0) { $0 + $1.bytesSent }, bytes.count,
                       "the storage must send the file once for both nodes: \(storageGets().map { "\($0.range ?? "whole")" })")
        let throughProxy = proxy.requests.filter { $0.contains("/big.root") }
        XCTAssertTrue(throughProxy.contains { $0.hasPrefix("MISS") }, "\(throughProxy)")
        XCTAssertTrue(throughProxy.contains { $0.hasPrefix("HIT") }, "the second node must be served from the site cache: \(throughProxy)")

        // `no_proxy` naming the storage host: this node goes to the storage itself, not through the site cache.
        let direct = try otherNode(of: first, settings: "proxy = \"\(proxy.url)\"\nno_proxy = \"127.0.0.1\"")
        let proxied = proxy.requests.count
        let read = direct.run("cmp", [expected.path, direct.rucioPath("user.alice/big.root")])
        XCTAssertEqual(read.status, 0, read.text + read.stderr)
        XCTAssertEqual(proxy.requests.count, proxied, "no_proxy must bypass the proxy")
        XCTAssertEqual(storageGets().reduce(0) { $0 + $1.bytesSent }, 2 * bytes.count)
    }
}
