import EmulatorSupport
import Foundation
import XCTest

/// kill -9 of the daemon during Tapis uploads and during a Tapis transfer task, then a remount on the same cache:
/// every upload `close()` reported successful is on the server with identical bytes, and a transfer task the server
/// accepted is followed to its end after the restart (docs/protocols/tapis.md §5.3, §6).
extension CrashSafetyTests {
    private func tapisSession() throws -> TapisMountSession {
        let session = try TapisMountSession(transferStepDelay: 0.05)
        cleanup.append { session.tearDown() }
        logForFailure = { session.mount.log }
        return session
    }

    func testTapisUploadsSurviveKill9() throws {
        let tapis = try tapisSession()
        // Slow uploads down a little so the kill often lands while they are in flight.
        tapis.faults.add(.init(method: "POST", path: .prefix("/v3/files/ops/"), action: .delay(milliseconds: 300), count: nil))
        var tally = CrashTally(scenario: "uploads (cp of 5 files into Tapis)")
        for run in 0..<CrashTally.runsPerScenario {
            try tapis.writeServerFile("crash-\(run)/.keep", Data())
            var sources: [URL] = []
            for i in 0..<5 {
                let url = tapis.mount.root.appendingPathComponent("tapis-upload-\(run)-\(i).bin")
                try PseudoRandomBytes.make(Int.random(in: 100_000...3_000_000, using: &generator), seed: run * 10 + i).write(to: url)
                sources.append(url)
            }
            try tapis.mount.mount()
            let statusFile = tapis.mount.root.appendingPathComponent("tapis-status-\(run)")
            let script = sources.enumerated().map { i, url in
                "( cp '\(url.path)' '\(tapis.path("crash-\(run)/f\(i).bin"))'; echo \"\(i) $?\" >> '\(statusFile.path)' ) &"
            }.joined(separator: "\n") + "\nwait\n"
            let writers = try startBackground(script)
            usleep(UInt32.random(in: 50_000...1_500_000, using: &generator))
            killDaemon(tapis.mount)
            waitFor(writers)
            let accepted = Set(exitStatuses(statusFile).filter { $0.value == 0 }.keys)

            try tapis.mount.mount()
            for i in 0..<sources.count {
                let expected = try Data(contentsOf: sources[i])
                let onServer = waitUntil(seconds: accepted.contains(i) ? 30 : 10) {
                    (try? Data(contentsOf: tapis.serverFile("crash-\(run)/f\(i).bin"))) == expected
                }
                if accepted.contains(i) {
                    tally.accepted += 1
                    if !onServer { tally.lost += 1; tally.notes.append("run \(run): f\(i).bin missing or different") }
                } else if onServer {
                    tally.resumed += 1
                }
            }
            tapis.mount.unmount()
            tally.runs += 1
        }
        try tally.report()
        XCTAssertEqual(tally.lost, 0, tally.notes.joined(separator: "\n"))
    }

    /// The emulator holds every task IN_PROGRESS, so the kill always lands mid-transfer: the task is accepted, the
    /// daemon dies, the task completes while no mount runs, and the remounted daemon finds the journaled task and
    /// reports it finished in `.sciencefs/transfers/`.
    func testTapisTransferTasksAreFollowedToTheirEndAfterKill9() throws {
        let tapis = try tapisSession()
        var tally = CrashTally(scenario: "transfer tasks (cp between two Tapis systems)")
        for run in 0..<CrashTally.runsPerScenario {
            let content = PseudoRandomBytes.make(256 * 1024, seed: 700 + run)
            try tapis.writeServerFile("src-\(run).bin", content)
            try tapis.writeServerFile("dst-\(run)/.keep", Data(), system: TapisMountSession.otherSystem)
            tapis.tapis.holdTransfers()
            try tapis.mount.mount()
            let copier = try startBackground("cp '\(tapis.path("src-\(run).bin"))' '\(tapis.path("dst-\(run)/", system: TapisMountSession.otherSystem))'")
            let submitted = waitUntil(seconds: 30) {
                tapis.tapis.requestLog.entries(method: "POST", pathPrefix: "/v3/files/transfers").count > run
            }
            XCTAssertTrue(submitted, "run \(run): no transfer task was created")
            killDaemon(tapis.mount)
            waitFor(copier)
            tapis.tapis.releaseTransfers()

            try tapis.mount.mount()
            tally.accepted += 1
            let transfers = tapis.mount.mountpoint.appendingPathComponent(".sciencefs/transfers")
            let followed = waitUntil(seconds: 30) {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: transfers.path)) ?? []
                return names.contains { name in
                    let text = (try? String(contentsOf: transfers.appendingPathComponent(name), encoding: .utf8)) ?? ""
                    return text.contains("dst-\(run)/src-\(run).bin") && text.contains("\"state\" : \"FINISHED\"")
                }
            }
            let copied = (try? Data(contentsOf: tapis.serverFile("dst-\(run)/src-\(run).bin", system: TapisMountSession.otherSystem))) == content
            if !followed || !copied {
                tally.lost += 1
                tally.notes.append("run \(run): followed=\(followed) copied=\(copied)")
            }
            tapis.mount.unmount()
            tally.runs += 1
        }
        try tally.report()
        XCTAssertEqual(tally.lost, 0, tally.notes.joined(separator: "\n"))
    }
}
