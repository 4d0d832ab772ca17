import AgaveEmulator
import Foundation
import XCTest

/// Several readers of one file at once, as a notebook's data-loader workers read a dataset: every byte each one
/// reads is the file's, and together they make the server send the file about once, not once per reader.
final class SharedReadersTests: XCTestCase {
    private var fixture: MountFixture!
    private static let size = 24 << 20

    override func setUpWithError() throws {
        fixture = try MountFixture()
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    /// Bytes the emulator sent for GETs of `relative`'s media URL since the log was cleared.
    private func bytesServed(_ relative: String) -> Int {
        fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/files/v2/media/system/\(MountFixture.system)/\(relative)")
            .reduce(0) { $0 + $1.bytesSent }
    }

    func testEightSequentialReadersOfOneFileShareTheFetches() throws {
        let data = PseudoRandomBytes.make(Self.size, seed: 81)
        try fixture.writeServerFile("shared/one.bin", data)
        try fixture.mount()
        let file = fixture.path("shared/one.bin")
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", file]).text, "\(Self.size)\n")
        fixture.emulator.requestLog.clear()
        // Eight `cmp`s at once, each reading the whole file from the mount and comparing it with the server's copy.
        let script = """
            pids=""
            for i in 1 2 3 4 5 6 7 8; do cmp "$1" "$2" & pids="$pids $!"; done
            status=0
            for p in $pids; do wait $p || status=1; done
            exit $status
            """
        let readers = fixture.run("sh", ["-c", script, "readers", file, fixture.serverFile("shared/one.bin").path])
        XCTAssertEqual(readers.status, 0, "every reader got the file's bytes: \(readers.text)\(readers.stderr)")
        let served = bytesServed("shared/one.bin")
        XCTAssertGreaterThanOrEqual(served, Self.size, "the file was fetched")
        XCTAssertLessThanOrEqual(Double(served), 1.1 * Double(Self.size),
                                 "eight readers share one set of fetches: \(served) bytes sent for a \(Self.size)-byte file")
    }

    func testEightReadersAtRandomOffsetsWhileReadaheadRunsGetTheRightBytes() throws {
        let data = PseudoRandomBytes.make(Self.size, seed: 82)
        try fixture.writeServerFile("shared/random.bin", data)
        try fixture.mount()
        let file = fixture.path("shared/random.bin")
        // One reader streams the file (readahead runs); seven read 64 KiB at random offsets, each checked against
        // the server's copy.
        let script = """
            import os, random, sys, threading
            mounted, original = sys.argv[1], sys.argv[2]
            with open(original, "rb") as f:
                expected = f.read()
            failures = []
            def stream():
                with open(mounted, "rb") as f:
                    got = b""
                    while True:
                        chunk = f.read(1 << 20)
                        if not chunk:
                            break
                        got += chunk
                if got != expected:
                    failures.append("the streaming reader got other bytes")
            def scatter(seed):
                rng = random.Random(seed)
                fd = os.open(mounted, os.O_RDONLY)
                try:
                    for _ in range(40):
                        offset = rng.randrange(0, len(expected))
                        got = os.pread(fd, 65536, offset)
                        if got != expected[offset:offset + 65536]:
                            failures.append(f"reader {seed}: wrong bytes at {offset}")
                finally:
                    os.close(fd)
            threads = [threading.Thread(target=stream)] + [threading.Thread(target=scatter, args=(s,)) for s in range(7)]
            for t in threads: t.start()
            for t in threads: t.join()
            print("\\n".join(failures) if failures else "ok")
            """
        let result = fixture.run("python3", ["-c", script, file, fixture.serverFile("shared/random.bin").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "ok\n")
    }
}
