import Foundation
import XCTest

/// Pinning through a real mount: `sciencefs pin` fetches a file whole and keeps it through eviction pressure and a
/// remount, a pin past `data_cache_size_mb` is refused with ENOSPC, `sciencefs cache` lists the cache, and
/// `sciencefs cache evict` drops a file only once it is unpinned.
final class PinningMountTests: XCTestCase {
    private var fixture: MountFixture!
    /// Each file's size: a quarter of the smallest data cache a mount allows (64 MiB).
    private let size = 16 << 20
    private var sizeText: String { String(size) }

    override func setUpWithError() throws {
        // A 64 MiB data cache: six 16 MiB files read one after the other must evict some.
        fixture = try MountFixture(dataCacheMB: 64)
        try fixture.writeServerFile("pinned.bin", Self.pattern(size, 3))
        for index in 0..<6 { try fixture.writeServerFile("other\(index).bin", Data(repeating: UInt8(index), count: size)) }
        try fixture.writeServerFile("huge.bin", Data(repeating: 7, count: 65 << 20))
        try fixture.mount()
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    private static func pattern(_ count: Int, _ factor: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count { bytes[index] = UInt8(truncatingIfNeeded: index &* factor &+ index >> 9) }
        return Data(bytes)
    }

    private func sciencefs(_ arguments: [String]) -> MountFixture.Result {
        fixture.run(MountFixture.binary.path, arguments)
    }

    private func xattr(_ name: String, _ path: String) -> String {
        fixture.run("getfattr", ["-n", name, "--only-values", path]).text
    }

    /// GETs of `name`'s bytes the storage server answered.
    private func downloads(of name: String) -> Int {
        fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/media/system/\(MountFixture.system)/\(name)").count
    }

    func testAPinnedFileIsFetchedWholeAndStaysThroughEvictionPressureAndARemount() throws {
        let pinned = fixture.path("pinned.bin")
        XCTAssertEqual(xattr("user.sciencefs.cached", pinned), "0 of \(sizeText) bytes, not cached")
        let pin = sciencefs(["pin", pinned])
        XCTAssertEqual(pin.status, 0, pin.stderr)
        XCTAssertEqual(pin.text, "pinned \(pinned)\n")
        XCTAssertEqual(xattr("user.sciencefs.pin", pinned), "1")
        XCTAssertEqual(xattr("user.sciencefs.cached", pinned), "\(sizeText) of \(sizeText) bytes, complete",
                       "pin fetched the file whole before returning")

        // 96 MiB more through a 64 MiB cache.
        for index in 0..<6 {
            XCTAssertEqual(fixture.run("cat", [fixture.path("other\(index).bin")]).stdout.count, size)
        }
        XCTAssertEqual(xattr("user.sciencefs.cached", fixture.path("other0.bin")), "0 of \(sizeText) bytes, not cached",
                       "the least recently used unpinned file was evicted")
        XCTAssertEqual(xattr("user.sciencefs.cached", pinned), "\(sizeText) of \(sizeText) bytes, complete")

        fixture.emulator.requestLog.clear()
        let expected = fixture.root.appendingPathComponent("pinned.expected")
        try Self.pattern(size, 3).write(to: expected)
        XCTAssertEqual(fixture.run("cmp", [pinned, expected.path]).status, 0)
        XCTAssertEqual(downloads(of: "pinned.bin"), 0, "the pinned file was read from the data cache")

        // The pin is in SQLite: a new mount keeps it and its bytes.
        fixture.unmount()
        try fixture.mount()
        XCTAssertEqual(xattr("user.sciencefs.pin", pinned), "1")
        XCTAssertEqual(xattr("user.sciencefs.cached", pinned), "\(sizeText) of \(sizeText) bytes, complete")
        XCTAssertEqual(fixture.run("cmp", [pinned, expected.path]).status, 0)
        XCTAssertEqual(downloads(of: "pinned.bin"), 0, "nor after the remount")
    }

    func testAPinPastTheCacheSizeIsRefusedWithENOSPC() throws {
        let huge = fixture.path("huge.bin")
        let refused = sciencefs(["pin", huge])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("data_cache_size_mb"), refused.stderr)
        let setfattr = fixture.run("setfattr", ["-n", "user.sciencefs.pin", "-v", "1", huge])
        XCTAssertNotEqual(setfattr.status, 0)
        XCTAssertTrue(setfattr.stderr.contains("No space left on device"), setfattr.stderr)
        XCTAssertEqual(xattr("user.sciencefs.pin", huge), "0")
        XCTAssertEqual(downloads(of: "huge.bin"), 0, "a refused pin fetched nothing")

        // 16 MiB pinned leaves 48 MiB for other pins: three more fit exactly, a fourth does not.
        XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.pin", "-v", "1", fixture.path("pinned.bin")]).status, 0)
        for index in 0..<3 { XCTAssertEqual(sciencefs(["pin", fixture.path("other\(index).bin")]).status, 0) }
        XCTAssertNotEqual(sciencefs(["pin", fixture.path("other3.bin")]).status, 0, "80 MiB pinned in a 64 MiB cache")
    }

    func testCacheListsFilesAndEvictRefusesAPinnedFileUntilItIsUnpinned() throws {
        let pinned = fixture.path("pinned.bin")
        XCTAssertEqual(sciencefs(["pin", pinned]).status, 0)
        XCTAssertEqual(fixture.run("cat", [fixture.path("other0.bin")]).stdout.count, size)
        XCTAssertEqual(fixture.run("cat", [fixture.path("other0.bin")]).stdout.count, size)

        // The daemon writes its hit counts to status.json every 2 s.
        var listing = sciencefs(["cache", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertTrue(waitUntil(seconds: 10) {
            listing = sciencefs(["cache", "--config", fixture.configURL.path, fixture.mountpoint.path])
            return !listing.text.contains("hit rate n/a")
        }, listing.text)
        XCTAssertEqual(listing.status, 0, listing.stderr)
        let lines = listing.lines
        XCTAssertTrue(lines.first?.contains("2 files, \(2 * size) bytes of \(64 << 20)") == true, listing.text)
        XCTAssertTrue(lines.first?.contains("hit rate") == true && lines.first?.contains("1 pinned") == true, listing.text)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  pinned") && $0.hasSuffix(" \(sizeText)  \(pinned)") }, listing.text)
        XCTAssertTrue(lines.contains { $0.hasSuffix(" \(sizeText)  \(fixture.path("other0.bin"))") && !$0.contains("pinned") },
                      listing.text)

        let refused = sciencefs(["cache", "evict", pinned])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("is pinned; unpin it first"), refused.stderr)
        XCTAssertEqual(xattr("user.sciencefs.cached", pinned), "\(sizeText) of \(sizeText) bytes, complete")

        XCTAssertEqual(sciencefs(["unpin", pinned]).status, 0)
        XCTAssertEqual(xattr("user.sciencefs.pin", pinned), "0")
        let evicted = sciencefs(["cache", "evict", pinned, fixture.path("other0.bin")])
        XCTAssertEqual(evicted.status, 0, evicted.stderr)
        XCTAssertEqual(xattr("user.sciencefs.cached", pinned), "0 of \(sizeText) bytes, not cached")
        XCTAssertEqual(xattr("user.sciencefs.cached", fixture.path("other0.bin")), "0 of \(sizeText) bytes, not cached")
        let after = sciencefs(["cache", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertTrue(after.text.contains("the data cache is empty"), after.text)
    }

    func testPinningADirectoryPinsEveryFileBelowIt() throws {
        try fixture.writeServerFile("set/a.bin", Self.pattern(1000, 3))
        try fixture.writeServerFile("set/sub/b.bin", Self.pattern(2000, 5))
        let pin = sciencefs(["pin", fixture.path("set")])
        XCTAssertEqual(pin.status, 0, pin.stderr)
        XCTAssertEqual(pin.lines, ["pinned \(fixture.path("set/a.bin"))", "pinned \(fixture.path("set/sub/b.bin"))"])
        XCTAssertEqual(xattr("user.sciencefs.cached", fixture.path("set/sub/b.bin")), "2000 of 2000 bytes, complete")
        let setfattr = fixture.run("setfattr", ["-n", "user.sciencefs.pin", "-v", "1", fixture.path("set")])
        XCTAssertTrue(setfattr.stderr.contains("Is a directory"), setfattr.stderr)
    }
}
