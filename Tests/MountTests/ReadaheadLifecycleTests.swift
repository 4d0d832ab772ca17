import Foundation
import SciencefsCore
import XCTest

/// Readahead while its readers come and go: a reader killed mid-read, files closed while their readahead is in
/// flight, and a data cache too small for what is being read. In each, every byte read afterwards is the server's,
/// the mount's fetchers go idle once nobody reads, and nothing hangs. Waits are bounded (generously, so that only a
/// hang fails them); no test measures time.
final class ReadaheadLifecycleTests: XCTestCase {
    private var fixture: MountFixture!

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    /// Writes `mebibytes` MiB of random bytes as the server's copy of `relative`.
    private func makeServerFile(_ relative: String, mebibytes: Int) throws {
        let url = fixture.serverFile(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let made = fixture.run("dd", ["if=/dev/urandom", "of=\(url.path)", "bs=1M", "count=\(mebibytes)", "status=none"])
        XCTAssertEqual(made.status, 0, made.stderr)
    }

    /// Runs `script` under bash (arguments `$1`…) with its output in a file, for at most `seconds`. A script still
    /// running then is a hang: the test fails and the mount is torn down, which ends any reader stuck in it.
    private func runBounded(_ script: String, _ arguments: [String] = [], seconds: TimeInterval = 300,
                            file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        let output = fixture.root.appendingPathComponent("script-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script, "script"] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        if !waitUntil(seconds: seconds, { !process.isRunning }) {
            XCTFail("the readers hung for \(Int(seconds)) s", file: file, line: line)
            fixture.unmount()
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// The mount's status as its daemon writes it next (a status file written before now is discarded first).
    private func freshStatus(within seconds: TimeInterval = 30) -> VFS.Status? {
        let files = (FileManager.default.enumerator(at: fixture.cacheRoot, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL } ?? []).filter { $0.lastPathComponent == "status.json" }
        for url in files { try? FileManager.default.removeItem(at: url) }
        var status: VFS.Status?
        _ = waitUntil(seconds: seconds) {
            let url = (FileManager.default.enumerator(at: fixture.cacheRoot, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL } ?? []).first { $0.lastPathComponent == "status.json" }
            status = url.flatMap { try? Data(contentsOf: $0) }.flatMap { try? JSONDecoder().decode(VFS.Status.self, from: $0) }
            return status != nil
        }
        return status
    }

    /// Once no file is open, every readahead range ends (running ones stop at their next chunk, waiting ones are
    /// dropped) and the budget is whole again.
    private func assertReadaheadGoesIdle(file: StaticString = #filePath, line: UInt = #line) {
        var last: VFS.Status?
        let idle = waitUntil(seconds: 60) {
            last = freshStatus()
            guard let readahead = last?.readahead else { return false }
            return last?.openHandles == 0 && readahead.running == 0 && readahead.queued == 0 && readahead.bytesInFlight == 0
        }
        XCTAssertTrue(idle, "readahead still busy with no file open: \(String(describing: last?.readahead))",
                      file: file, line: line)
    }

    /// `cmp` of each mounted file with the server's copy, `readers` at once per file.
    private func compareAll(_ relatives: [String], readers: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let pairs = relatives.flatMap { [fixture.path($0), fixture.serverFile($0).path] }
        let script = """
            pids=""
            while [ $# -gt 0 ]; do
                for i in $(seq \(readers)); do cmp "$1" "$2" & pids="$pids $!"; done
                shift 2
            done
            status=0
            for p in $pids; do wait $p || status=1; done
            exit $status
            """
        let result = try runBounded(script, pairs, file: file, line: line)
        XCTAssertEqual(result.status, 0, "every reader got the server's bytes: \(result.output)", file: file, line: line)
    }

    func testAReaderKilledMidReadLeavesTheMountWorkingAndTheBytesRight() throws {
        // A small budget, so the readers' readahead waits for it and back-pressure is in play when they die.
        fixture = try MountFixture(mountSettings: "readahead_budget_mb = 8")
        try makeServerFile("big/killed.bin", mebibytes: 96)
        try fixture.mount()
        let mounted = fixture.path("big/killed.bin")
        // Four readers stream the file at full speed, readahead running ahead of them, and each is killed (SIGKILL,
        // by its own hand, so that it dies mid-read for sure) after 16, 32, 48 or 64 MiB.
        let reader = """
            import os, signal, sys
            path, kill_at = sys.argv[1], int(sys.argv[2]) << 20
            with open(path, "rb", buffering=0) as f:
                got = 0
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got >= kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
            """
        var readers: [Process] = []
        for killAt in [16, 32, 48, 64] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", reader, mounted, "\(killAt)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            readers.append(process)
        }
        for process in readers {
            XCTAssertTrue(waitUntil(seconds: 300) { !process.isRunning }, "the reader got as far as its kill, or hung")
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the reader was killed mid-read, not done")
        }
        // The mount goes on: a listing, and a later reader that gets every byte right (two at once, for good measure).
        XCTAssertEqual(fixture.run("ls", [fixture.path("big")]).text, "killed.bin\n")
        try compareAll(["big/killed.bin"], readers: 2)
        assertReadaheadGoesIdle()
    }

    func testFilesClosedWhileTheirReadaheadIsInFlightLeaveNoFetcherBehind() throws {
        fixture = try MountFixture()
        let names = (0..<4).map { "closing/f\($0).bin" }
        for name in names { try makeServerFile(name, mebibytes: 40) }
        try fixture.mount()
        // Open, read 3 MiB (enough for readahead to start), close at once: at several places in each file, twice
        // over, so the first pass closes with ranges in flight and the second meets what they left in the cache.
        let script = """
            for pass in 1 2; do
                for skip in 0 9 18 27 36; do
                    for f in "$@"; do
                        dd if="$f" of=/dev/null bs=1M skip=$skip count=3 status=none || exit 1
                    done
                done
            done
            """
        let result = try runBounded(script, names.map { fixture.path($0) })
        XCTAssertEqual(result.status, 0, result.output)
        try compareAll(names, readers: 1)
        assertReadaheadGoesIdle()
        // The daemon unmounts cleanly and exits by itself: no fetcher holds it.
        let process = try XCTUnwrap(fixture.process)
        XCTAssertEqual(fixture.run("fusermount3", ["-u", fixture.mountpoint.path]).status, 0)
        XCTAssertTrue(waitUntil(seconds: 60) { !process.isRunning }, "the daemon exited after the unmount")
        if !process.isRunning {
            XCTAssertEqual(process.terminationReason, .exit)
            XCTAssertEqual(process.terminationStatus, 0)
        }
    }

    func testReadsGoOnWhileTheDataCacheFillsUpDuringReadahead() throws {
        fixture = try MountFixture()
        // The smallest cache a mount takes (64 MiB): three files that fit one by one but not together, and one that
        // fits not even alone, each read by two readers at once.
        let config = try String(contentsOf: fixture.configURL, encoding: .utf8)
        XCTAssertTrue(config.contains("data_cache_size_mb = 512"))
        try config.replacingOccurrences(of: "data_cache_size_mb = 512", with: "data_cache_size_mb = 64")
            .write(to: fixture.configURL, atomically: true, encoding: .utf8)
        let names = ["full/a.bin", "full/b.bin", "full/c.bin", "full/huge.bin"]
        for name in names { try makeServerFile(name, mebibytes: name.contains("huge") ? 80 : 40) }
        try fixture.mount()
        try compareAll(names, readers: 2)
        // Again, with the cache now full of what was read last.
        try compareAll(names, readers: 2)
        assertReadaheadGoesIdle()
    }
}
