import EmulatorSupport
import Foundation
import JDMAEmulator
import XCTest

/// kill -9 of the daemon at random moments during uploads, FTS3 jobs and JDMA batch staging, then a remount on
/// the same cache: every write `close()` reported successful ends on the server with identical bytes, every job
/// the server accepted is followed to its end, and no staged byte is deleted before the server confirmed it.
/// `SCIENCEFS_CRASH_RUNS` sets the runs per scenario (default 1; the report uses 20).
final class CrashSafetyTests: XCTestCase {
    /// Internal, like the helpers below, for the other sources' scenarios in their own files.
    var cleanup: [() -> Void] = []
    var logForFailure: (() -> String)?
    var generator = SystemRandomNumberGenerator()

    override func tearDown() {
        if let logForFailure, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 6000 chars) ---\n\(logForFailure().suffix(6000))")
        }
        cleanup.reversed().forEach { $0() }
        cleanup = []
    }

    func testUploadsSurviveKill9() throws {
        let fixture = try MountFixture()
        cleanup.append { fixture.tearDown() }
        logForFailure = { fixture.log }
        // Slow uploads down a little so the kill often lands while they are in flight.
        fixture.emulator.faults.add(.init(method: "POST", path: .prefix("/files/v2/media/"), action: .delay(milliseconds: 300),
                                          count: nil))
        var tally = CrashTally(scenario: "uploads (cp of 5 files into Agave)")
        for run in 0..<CrashTally.runsPerScenario {
            try fixture.writeServerFile("crash-\(run)/.keep", Data())
            var sources: [URL] = []
            for i in 0..<5 {
                let url = fixture.root.appendingPathComponent("upload-\(run)-\(i).bin")
                try PseudoRandomBytes.make(Int.random(in: 100_000...3_000_000, using: &generator), seed: run * 10 + i).write(to: url)
                sources.append(url)
            }
            try fixture.mount()
            let statusFile = fixture.root.appendingPathComponent("status-\(run)")
            let script = sources.enumerated().map { i, url in
                "( cp '\(url.path)' '\(fixture.path("crash-\(run)/f\(i).bin"))'; echo \"\(i) $?\" >> '\(statusFile.path)' ) &"
            }.joined(separator: "\n") + "\nwait\n"
            let writers = try startBackground(script)
            usleep(UInt32.random(in: 50_000...1_500_000, using: &generator))
            killDaemon(fixture)
            waitFor(writers)
            let accepted = Set(exitStatuses(statusFile).filter { $0.value == 0 }.keys)

            try fixture.mount()
            for i in 0..<sources.count {
                let expected = try Data(contentsOf: sources[i])
                let onServer = waitUntil(seconds: accepted.contains(i) ? 30 : 10) {
                    (try? Data(contentsOf: fixture.serverFile("crash-\(run)/f\(i).bin"))) == expected
                }
                if accepted.contains(i) {
                    tally.accepted += 1
                    if !onServer { tally.lost += 1; tally.notes.append("run \(run): f\(i).bin missing or different") }
                } else if onServer {
                    tally.resumed += 1
                }
            }
            fixture.unmount()
            tally.runs += 1
        }
        try tally.report()
        XCTAssertEqual(tally.lost, 0, tally.notes.joined(separator: "\n"))
    }

    func testFTS3JobsAreFollowedToTheirEndAfterKill9() throws {
        let fts = try FTS3MountFixture(transferDuration: 1.5)
        cleanup.append { fts.tearDown() }
        logForFailure = { fts.mount.log }
        var tally = CrashTally(scenario: "FTS3 jobs (cp Rucio → Agave in the mount)")
        var known = Set<String>()
        for run in 0..<CrashTally.runsPerScenario {
            try fts.addRucioFile("crash-\(run).bin", size: 512 * 1024, seed: UInt64(500 + run))
            try fts.mount.writeServerFile("dst-\(run)/.keep", Data())
            try fts.mount.mount()
            let source = fts.mount.rucioPath("\(FTS3MountFixture.scope)/\(FTS3MountFixture.dataset)/crash-\(run).bin")
            let copier = try startBackground("cp '\(source)' '\(fts.mount.path("dst-\(run)/"))'")
            usleep(UInt32.random(in: 100_000...2_000_000, using: &generator))
            killDaemon(fts.mount)
            waitFor(copier)

            let submitted = Set(fts.fts.jobIDs()).subtracting(known)
            known.formUnion(submitted)
            try fts.mount.mount()
            let expected = try Data(contentsOf: fts.rucioFile("crash-\(run).bin"))
            for job in submitted {
                tally.accepted += 1
                let document = fts.mount.mountpoint.appendingPathComponent(".sciencefs/transfers/fts3-\(job).json")
                let followed = waitUntil(seconds: 30) {
                    ((try? String(contentsOf: document, encoding: .utf8)) ?? "").contains("\"state\" : \"FINISHED\"")
                }
                let copied = (try? Data(contentsOf: fts.mount.serverFile("dst-\(run)/crash-\(run).bin"))) == expected
                if !followed || !copied {
                    tally.lost += 1
                    tally.notes.append("run \(run): job \(job) followed=\(followed) copied=\(copied) server=\(fts.fts.jobState(job) ?? "?")")
                }
            }
            fts.mount.unmount()
            tally.runs += 1
        }
        try tally.report()
        XCTAssertEqual(tally.lost, 0, tally.notes.joined(separator: "\n"))
    }

    func testJDMABatchStagingSurvivesKill9() throws {
        let service = try JDMATestService(prefix: "sciencefs-crash", quotaBytes: 1 << 34)
        let (jdma, staging) = (service.jdma, service.staging)
        cleanup.append { service.stop() }
        jdma.setTapeDelay(0.5)
        let fixture = try MountFixture(extraConfig: service.sourceTable(extra: "quiet_period = 2"))
        cleanup.append { fixture.tearDown() }
        logForFailure = { fixture.log }
        let batches = fixture.mountpoint.appendingPathComponent("jdma/gws")
        var tally = CrashTally(scenario: "JDMA batch staging (cp of 4 files into a new batch, submit)")
        for run in 0..<CrashTally.runsPerScenario {
            var sources: [URL] = []
            for i in 0..<4 {
                let url = fixture.root.appendingPathComponent("crash-\(run)-\(i).dat")
                try PseudoRandomBytes.make(Int.random(in: 50_000...1_500_000, using: &generator), seed: 900 + run * 10 + i).write(to: url)
                sources.append(url)
            }
            try fixture.mount()
            let batch = batches.appendingPathComponent("crash-\(run)").path
            let statusFile = fixture.root.appendingPathComponent("jdma-status-\(run)")
            let copies = sources.enumerated().map { i, url in
                "cp '\(url.path)' '\(batch)/'; echo \"\(i) $?\" >> '\(statusFile.path)'"
            }.joined(separator: "\n")
            let writer = try startBackground("mkdir '\(batch)' || exit 1\n\(copies)\nsetfattr -n user.jdma.submit -v 1 '\(batch)'\n")
            usleep(UInt32.random(in: 100_000...2_500_000, using: &generator))
            killDaemon(fixture)
            waitFor(writer)
            let accepted = exitStatuses(statusFile).filter { $0.value == 0 }.keys.sorted()

            // Right after the kill, every accepted file is still staged or already stored by JDMA.
            for i in accepted {
                let expected = try Data(contentsOf: sources[i])
                let name = sources[i].lastPathComponent
                let kept = Self.files(named: name, under: staging) + Self.files(named: name, under: jdma.stateDirectory)
                if !kept.contains(where: { (try? Data(contentsOf: $0)) == expected }) {
                    tally.deletedBeforeConfirmation += 1
                    tally.notes.append("run \(run): \(name) neither staged nor stored right after the kill")
                }
            }
            try fixture.mount()
            if !accepted.isEmpty {
                // The quiet period submits the batch again if the kill came before its PUT request.
                let stored = waitUntil(seconds: 60) {
                    _ = fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", batches.path])
                    return fixture.run("getfattr", ["-n", "user.jdma.stage", "--only-values", batch]).text == "ON_STORAGE"
                }
                for i in accepted {
                    tally.accepted += 1
                    let expected = try Data(contentsOf: sources[i])
                    let onServer = Self.files(named: sources[i].lastPathComponent, under: jdma.stateDirectory)
                        .contains { (try? Data(contentsOf: $0)) == expected }
                    if !stored || !onServer {
                        tally.lost += 1
                        tally.notes.append("run \(run): file \(i) stored=\(stored) onServer=\(onServer)")
                    }
                }
            }
            fixture.unmount()
            tally.runs += 1
        }
        try tally.report()
        XCTAssertEqual(tally.lost, 0, tally.notes.joined(separator: "\n"))
        XCTAssertEqual(tally.deletedBeforeConfirmation, 0, tally.notes.joined(separator: "\n"))
    }

    // MARK: Helpers

    func killDaemon(_ fixture: MountFixture) {
        guard let daemon = fixture.process else { return }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        fixture.run("fusermount3", ["-uz", fixture.mountpoint.path])
        fixture.unmount()
    }

    func startBackground(_ script: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitFor(_ process: Process) {
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("a writer did not end within 90 s of the daemon's death")
        }
        process.waitUntilExit()
    }

    /// `index → exit status` from lines `"<index> <status>"`.
    func exitStatuses(_ file: URL) -> [Int: Int32] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        var result: [Int: Int32] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let index = Int(parts[0]), let status = Int32(parts[1]) { result[index] = status }
        }
        return result
    }

    private static func files(named name: String, under root: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.lastPathComponent == name }
    }
}
