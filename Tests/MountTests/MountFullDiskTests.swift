import AgaveEmulator
import Foundation
import XCTest

/// The cache directory on a 24 MiB tmpfs: reads of bigger files degrade to uncached reads, a write that does not fit
/// fails with ENOSPC, what was accepted before is on the server, and once space is back writes work again.
final class MountFullDiskTests: XCTestCase {
    private var fixture: MountFixture!
    private var tmpfsMounted = false

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        fixture = try MountFixture()
        try FileManager.default.createDirectory(at: fixture.cacheRoot, withIntermediateDirectories: true)
        let tmpfs = fixture.run("mount", ["-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", fixture.cacheRoot.path])
        guard tmpfs.status == 0 else { throw XCTSkip("cannot mount a tmpfs here: \(tmpfs.stderr)") }
        tmpfsMounted = true
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 3000 chars) ---\n\(fixture.log.suffix(3000))")
            print(fixture.run("df", ["-h", fixture.cacheRoot.path]).text)
        }
        fixture?.unmount()
        if tmpfsMounted, let fixture { fixture.run("umount", [fixture.cacheRoot.path]) }
        fixture?.tearDown()
        fixture = nil
    }

    func testAFullCacheDiskDegradesReadsFailsBigWritesAndLosesNothing() throws {
        try DeterministicData.writeFile(at: fixture.serverFile("big.bin"), size: 40 << 20, seed: 5)
        try fixture.mount()

        // Accepted before the disk fills: must reach the server.
        let small = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let local = fixture.root.appendingPathComponent("small.bin")
        try small.write(to: local)
        XCTAssertEqual(fixture.run("cp", [local.path, fixture.path("small.bin")]).status, 0)

        // A 40 MiB read cannot be cached in 24 MiB: it is served from the network, byte for byte.
        let read = fixture.run("cmp", [fixture.path("big.bin"), fixture.serverFile("big.bin").path])
        XCTAssertEqual(read.status, 0, read.stderr + read.text)

        // A 40 MiB write cannot be staged: ENOSPC at write (or close).
        let write = fixture.shell("dd if=/dev/zero of='\(fixture.path("huge.bin"))' bs=1M count=40 2>&1")
        XCTAssertNotEqual(write.status, 0)
        XCTAssertTrue(write.text.contains("No space left on device"), write.text)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("small.bin")), small, "the accepted file is on the server")

        // Space is back once the failed file is gone: a new write works.
        _ = fixture.run("rm", ["-f", fixture.path("huge.bin")])
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = fixture.run("cp", [local.path, fixture.path("again.bin")]).status == 0
            if !recovered { usleep(200_000) }
        }
        XCTAssertTrue(recovered, "writes work again once space is back")
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("again.bin")), small)
        XCTAssertTrue(fixture.isMounted, "the mount stayed up")
    }
}
