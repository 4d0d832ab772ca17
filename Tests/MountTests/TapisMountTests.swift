import EmulatorSupport
import Foundation
import TapisEmulator
import XCTest

/// A user's session on a Tapis v3 tenant (the Tapis emulator) through a real mount: systems, files, server-side
/// copies, transfer tasks, the jobs tree, and tokens that expire or are refused mid-session.
final class TapisMountTests: XCTestCase {
    private var fixture: MountFixture!
    private var tapis: TapisEmulator!
    /// Set by the FTS3 test, whose mount it owns.
    private var ftsFixture: FTS3MountFixture?
    private static let data = "data.tapis"
    private static let scratch = "scratch.tapis"

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.unmount()
        assertNoTapisSecretInTheLog()
        if let ftsFixture { ftsFixture.tearDown() } else { fixture?.tearDown() }
        tapis?.stop()
        ftsFixture = nil
        fixture = nil
        tapis = nil
    }

    /// Starts the Tapis emulator beside the fixture's and adds `[sources.tapis]` for it.
    @discardableResult
    private func startTapis(in fixture: MountFixture, tokenLifetime: TimeInterval = 14_400, settings: String = "",
                            credentials: ((TapisEmulator) throws -> String)? = nil) throws -> TapisEmulator {
        let tapis = try TapisEmulator(stateDirectory: fixture.root.appendingPathComponent("tapis"), configuration: .init(
            tenantId: "test", users: ["alice": "alice-password"], tokenLifetime: tokenLifetime, transferStepDelay: 0.1))
        try tapis.addSystem(TapisSystem(id: Self.data, description: "data", host: "data.example.org"))
        try tapis.addSystem(TapisSystem(id: Self.scratch, description: "scratch", host: "scratch.example.org"))
        let port = try tapis.start(port: 0)
        try fixture.appendConfig("""
            [sources.tapis]
            type = "tapis"
            base_url = "http://127.0.0.1:\(port)"
            \(try credentials?(tapis) ?? "username = \"alice\"\npassword = \"alice-password\"")
            credentials_file = "\(try emptyCLISettings(in: fixture).path)"
            \(settings)
            """)
        self.tapis = tapis
        return tapis
    }

    /// The user's TapisV3 CLI settings file: present and empty, so nothing from the test machine's home leaks in.
    private func emptyCLISettings(in fixture: MountFixture) throws -> URL {
        let url = fixture.root.appendingPathComponent("tapis-cli-config.json")
        try Data().write(to: url)
        return url
    }

    private func mountWithTapis(tokenLifetime: TimeInterval = 14_400) throws {
        fixture = try MountFixture()
        try startTapis(in: fixture, tokenLifetime: tokenLifetime)
        try fixture.mount()
    }

    private func path(_ relative: String, system: String = TapisMountTests.data) -> String {
        fixture.mountpoint.appendingPathComponent("tapis/systems/\(system)").path + (relative.isEmpty ? "" : "/" + relative)
    }

    private func serverFile(_ relative: String, system: String = TapisMountTests.data) -> URL {
        tapis.localURL(system: system, path: relative)
    }

    private func writeServerFile(_ relative: String, _ data: Data, system: String = TapisMountTests.data) throws {
        let url = serverFile(relative, system: system)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    private func assertNoTapisSecretInTheLog() {
        guard let fixture, let tapis else { return }
        let text = fixture.log
        for token in tapis.issuedTokens where token.count >= 8 && text.contains(token) {
            XCTFail("a Tapis token reached the sciencefs log (\(token.prefix(4))…)")
        }
    }

    func testLsCatCpMkdirRmAndMvOnATapisSystem() throws {
        fixture = try MountFixture()
        try startTapis(in: fixture)
        try DeterministicData.writeFile(at: serverFile("project/ocean model.bin"), size: 3 << 20, seed: 7)
        try writeServerFile("project/notes.txt", Data("first line\n".utf8))
        try fixture.mount()

        let systems = fixture.run("ls", [fixture.mountpoint.appendingPathComponent("tapis/systems").path])
        XCTAssertEqual(systems.lines, [Self.data, Self.scratch], systems.stderr)
        let listing = fixture.run("ls", [path("project")])
        XCTAssertEqual(listing.lines, ["notes.txt", "ocean model.bin"], listing.stderr)
        XCTAssertEqual(fixture.run("cat", [path("project/notes.txt")]).text, "first line\n")
        XCTAssertEqual(fixture.run("cmp", [path("project/ocean model.bin"), serverFile("project/ocean model.bin").path]).status, 0,
                       "a multi-MiB file reads back identical")
        XCTAssertEqual(fixture.run("stat", ["-c", "%s %A", path("project/notes.txt")]).text, "11 -rw-r--r--\n")

        let local = fixture.root.appendingPathComponent("local.bin")
        try DeterministicData.writeFile(at: local, size: 700_000, seed: 8)
        let cp = fixture.run("cp", [local.path, path("project/uploaded.bin")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [local.path, serverFile("project/uploaded.bin").path]).status, 0, "the server holds the bytes")
        XCTAssertEqual(fixture.run("cmp", [local.path, path("project/uploaded.bin")]).status, 0, "and they read back")

        XCTAssertEqual(fixture.run("mkdir", [path("project/runs")]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: serverFile("project/runs").path))
        XCTAssertNotEqual(fixture.run("mkdir", [path("project/runs")]).status, 0, "mkdir of an existing name fails")
        XCTAssertEqual(fixture.run("mv", [path("project/notes.txt"), path("project/runs/notes.txt")]).status, 0)
        XCTAssertEqual(try String(contentsOf: serverFile("project/runs/notes.txt"), encoding: .utf8), "first line\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: serverFile("project/notes.txt").path))
        let rmdir = fixture.run("rmdir", [path("project/runs")])
        XCTAssertNotEqual(rmdir.status, 0, "a directory with a file in it is not removed")
        XCTAssertTrue(rmdir.stderr.contains("not empty"), rmdir.stderr)
        XCTAssertEqual(fixture.run("rm", ["-r", path("project/runs")]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: serverFile("project/runs").path))
        XCTAssertEqual(fixture.run("ls", [path("project/missing")]).status, 2, "ENOENT")

        let reads = tapis.requestLog.all.filter { $0.method == "GET" && $0.path.hasPrefix("/v3/files/content/") }
        XCTAssertFalse(reads.isEmpty)
        XCTAssertTrue(reads.allSatisfy { ($0.range ?? "").range(of: #"^\d+,\d+$"#, options: .regularExpression) != nil },
                      "reads ask in Tapis's own `range: min,max` form: \(reads.map { $0.range ?? "-" })")
    }

    func testCpWithinATapisSystemIsAServerSideCopy() throws {
        try mountWithTapisAnd { try DeterministicData.writeFile(at: self.serverFile("src/big.bin"), size: 8 << 20, seed: 3) }
        XCTAssertEqual(fixture.run("mkdir", [path("dst")]).status, 0)
        tapis.requestLog.clear()
        let cp = fixture.run("cp", [path("src/big.bin"), path("dst/copy.bin")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [serverFile("src/big.bin").path, serverFile("dst/copy.bin").path]).status, 0,
                       "the server made an identical copy")
        let requests = tapis.requestLog.all
        XCTAssertTrue(requests.contains { $0.method == "PUT" && $0.path == "/v3/files/ops/\(Self.data)/src/big.bin" },
                      "one COPY operation: \(requests.map { "\($0.method) \($0.path)" })")
        XCTAssertEqual(requests.filter { $0.path.hasPrefix("/v3/files/content/") }.reduce(0) { $0 + $1.bytesSent }, 0,
                       "no payload byte came through this machine")
        XCTAssertTrue(requests.filter { $0.method == "POST" && $0.path.hasPrefix("/v3/files/ops/") }.isEmpty, "and none went up")
        XCTAssertEqual(fixture.run("stat", ["-c", "%s", path("dst/copy.bin")]).text, "\(8 << 20)\n")
    }

    func testCpAcrossTapisSystemsIsATransferTaskShownInTransfers() throws {
        try mountWithTapisAnd {
            try DeterministicData.writeFile(at: self.serverFile("a b.bin"), size: 1 << 20, seed: 4)
            try FileManager.default.createDirectory(at: self.serverFile("in", system: Self.scratch), withIntermediateDirectories: true)
        }
        tapis.requestLog.clear()
        let cp = fixture.run("cp", [path("a b.bin"), path("in/a b.bin", system: Self.scratch)])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [serverFile("a b.bin").path, serverFile("in/a b.bin", system: Self.scratch).path]).status, 0)
        let requests = tapis.requestLog.all
        XCTAssertEqual(requests.filter { $0.method == "POST" && $0.path == "/v3/files/transfers" }.count, 1, "one transfer task")
        XCTAssertEqual(requests.filter { $0.path.hasPrefix("/v3/files/content/") }.reduce(0) { $0 + $1.bytesSent }, 0,
                       "no payload byte came through this machine")
        let transfers = fixture.run("ls", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers").path])
        XCTAssertEqual(transfers.lines.count, 1, transfers.text + transfers.stderr)
        let record = fixture.run("cat", [fixture.mountpoint.appendingPathComponent(".sciencefs/transfers/\(transfers.lines.first ?? "")").path])
        XCTAssertTrue(record.text.contains("tapis-transfer") && record.text.contains("\"state\" : \"COMPLETED\""), record.text)
    }

    func testAFailedTransferTaskFailsCpWithTheReason() throws {
        try mountWithTapisAnd { try DeterministicData.writeFile(at: self.serverFile("doomed.bin"), size: 4096, seed: 6) }
        tapis.failNextTransfers(1)
        let cp = fixture.run("cp", [path("doomed.bin"), path("doomed.bin", system: Self.scratch)])
        XCTAssertNotEqual(cp.status, 0)
        XCTAssertTrue(fixture.log.contains("Tapis transfer into \(Self.scratch)/doomed.bin failed"), String(fixture.log.suffix(2000)))
    }

    func testTheJobsTreeShowsRecordsHistoryAndOutputs() throws {
        var finished = ""
        var running = ""
        try mountWithTapisAnd {
            finished = try self.tapis.addJob(name: "inversion", appId: "solver", execSystemId: Self.scratch,
                                             outputs: ["result.csv": Data("a,b\n1,2\n".utf8), "logs/run.log": Data("ok\n".utf8)],
                                             created: Date().addingTimeInterval(-3600))
            running = try self.tapis.addJob(name: "forecast", appId: "solver", execSystemId: Self.scratch, status: "RUNNING",
                                            outputs: ["progress.log": Data("step 1\n".utf8)])
        }
        let jobs = fixture.mountpoint.appendingPathComponent("tapis/jobs").path
        XCTAssertEqual(Set(fixture.run("ls", [jobs]).lines), ["inversion-\(finished)", "forecast-\(running)"])
        let record = fixture.run("cat", ["\(jobs)/inversion-\(finished)/job.json"])
        XCTAssertTrue(record.text.contains("\"uuid\" : \"\(finished)\""), record.text + record.stderr)
        XCTAssertTrue(fixture.run("cat", ["\(jobs)/inversion-\(finished)/history.json"]).text.contains("FINISHED"))
        XCTAssertEqual(fixture.run("cat", ["\(jobs)/inversion-\(finished)/outputs/result.csv"]).text, "a,b\n1,2\n")
        XCTAssertEqual(fixture.run("cat", ["\(jobs)/inversion-\(finished)/outputs/logs/run.log"]).text, "ok\n")
        XCTAssertEqual(fixture.run("cat", ["\(jobs)/forecast-\(running)/outputs/progress.log"]).text, "step 1\n",
                       "a running job's outputs are readable")
        XCTAssertEqual(fixture.run("ls", ["\(jobs)/.status/RUNNING"]).lines, ["forecast-\(running)"])
        let status = fixture.run("getfattr", ["--only-values", "-n", "user.tapis.job.status", "\(jobs)/forecast-\(running)"])
        XCTAssertEqual(status.text, "RUNNING", status.stderr)
        XCTAssertNotEqual(fixture.run("touch", ["\(jobs)/inversion-\(finished)/new"]).status, 0, "the jobs tree is read-only")
    }

    func testATokenNearItsExpiryIsRenewedBeforeUse() throws {
        // A lifetime inside the renewal margin: every use finds the token about to expire and renews it first.
        try mountWithTapis(tokenLifetime: 30)
        try writeServerFile("a.txt", Data("hello\n".utf8))
        XCTAssertEqual(fixture.run("cat", [path("a.txt")]).text, "hello\n")
        XCTAssertEqual(fixture.run("ls", [path("")]).status, 0)
        let grants = tapis.requestLog.all.filter { $0.path == "/v3/oauth2/tokens" }
        XCTAssertGreaterThanOrEqual(grants.count, 2, "renewed before expiry")
        XCTAssertTrue(tapis.requestLog.all.allSatisfy { $0.status != 401 }, "never sent an expired token")
    }

    func testARefreshTokenAloneRenewsByTheRefreshGrantAndIsWrittenBackForTheNextMount() throws {
        fixture = try MountFixture()
        let tokenFile = fixture.root.appendingPathComponent("tapis-refresh-token")
        // What a user has after logging in once with tapipy and an OAuth client: a refresh token, and no password
        // in the sciencefs config.
        let first = try startTapis(in: fixture, tokenLifetime: 30) { tapis in
            let login = self.fixture.run("curl", ["-sf", "-u", "sciencefs-test:client-secret", "-H", "Content-Type: application/json",
                                                  "-d", #"{"grant_type":"password","username":"alice","password":"alice-password"}"#,
                                                  tapis.baseURL.absoluteString + "/v3/oauth2/tokens"])
            let reply = try JSONSerialization.jsonObject(with: login.stdout) as? [String: Any]
            let refresh = ((reply?["result"] as? [String: Any])?["refresh_token"] as? [String: Any])?["refresh_token"] as? String
            try Data(try XCTUnwrap(refresh, login.text).utf8).write(to: tokenFile)
            XCTAssertEqual(chmod(tokenFile.path, 0o600), 0)
            return """
                api_key = "sciencefs-test"
                api_secret = "client-secret"
                refresh_token_file = "\(tokenFile.path)"
                """
        }
        let given = try String(contentsOf: tokenFile, encoding: .utf8)
        try writeServerFile("a.txt", Data("hello\n".utf8))
        try fixture.mount()
        // A 30 s lifetime is inside the renewal margin: every use renews, each time with the refresh token the
        // last grant issued (the emulator's, like Tapis's, are single use).
        XCTAssertEqual(fixture.run("cat", [path("a.txt")]).text, "hello\n", fixture.log)
        XCTAssertEqual(fixture.run("ls", [path("")]).status, 0)
        let grants = first.requestLog.all.filter { $0.path == "/v3/oauth2/tokens" }
        XCTAssertGreaterThanOrEqual(grants.count, 3, "the login above, then renewals")
        XCTAssertTrue(grants.allSatisfy { $0.status == 201 }, "\(grants.map(\.status))")
        XCTAssertTrue(first.requestLog.all.allSatisfy { $0.status != 401 }, "never sent an expired token")
        let kept = try String(contentsOf: tokenFile, encoding: .utf8)
        XCTAssertNotEqual(kept, given, "the newest refresh token was written back")
        var info = stat()
        XCTAssertEqual(stat(tokenFile.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertFalse(fixture.log.contains(kept.trimmingCharacters(in: .whitespacesAndNewlines)), "no token in the log")
        // The next mount starts from the written-back token (the one it was given is spent): a system it never
        // listed needs the server, so a token that works.
        try writeServerFile("c.txt", Data("elsewhere\n".utf8), system: Self.scratch)
        fixture.unmount()
        try fixture.mount()
        XCTAssertEqual(fixture.run("cat", [path("c.txt", system: Self.scratch)]).text, "elsewhere\n", fixture.log)
    }

    func testARefusedRefreshTokenFallsBackToThePasswordAndTheNewOneIsKept() throws {
        fixture = try MountFixture()
        let tokenFile = fixture.root.appendingPathComponent("tapis-refresh-token")
        try Data("a-refresh-token-the-server-never-issued\n".utf8).write(to: tokenFile)
        try startTapis(in: fixture) { _ in
            """
            username = "alice"
            password = "alice-password"
            api_key = "sciencefs-test"
            api_secret = "client-secret"
            refresh_token_file = "\(tokenFile.path)"
            """
        }
        try writeServerFile("a.txt", Data("hello\n".utf8))
        try fixture.mount()
        XCTAssertEqual(fixture.run("cat", [path("a.txt")]).text, "hello\n", fixture.log)
        let grants = tapis.requestLog.all.filter { $0.path == "/v3/oauth2/tokens" }.map(\.status)
        XCTAssertEqual(grants, [401, 201], "the refresh grant was refused, then the password grant worked")
        XCTAssertEqual(fixture.log.components(separatedBy: "refused the refresh grant").count - 1, 1, fixture.log)
        let kept = try String(contentsOf: tokenFile, encoding: .utf8)
        XCTAssertFalse(kept.contains("never-issued"), "the password grant's refresh token replaced the refused one")
    }

    func testATokenRefusedMidSessionIsRenewedAndTheCallRepeated() throws {
        try mountWithTapisAnd { try self.writeServerFile("b.txt", Data("still here\n".utf8)) }
        XCTAssertEqual(fixture.run("ls", [path("")]).status, 0)
        let before = tapis.requestLog.all.filter { $0.path == "/v3/oauth2/tokens" }.count
        tapis.expireAllTokens()
        XCTAssertEqual(fixture.run("cat", [path("b.txt")]).text, "still here\n", "the user sees nothing of it")
        XCTAssertTrue(tapis.requestLog.all.contains { $0.status == 401 }, "the server refused the old token")
        XCTAssertEqual(tapis.requestLog.all.filter { $0.path == "/v3/oauth2/tokens" }.count, before + 1, "one renewal")
    }

    func testCpFromRucioToTapisIsOneFTS3Job() throws {
        let fts = try FTS3MountFixture()
        ftsFixture = fts
        fixture = fts.mount
        try startTapis(in: fixture)
        try fixture.appendConfig("""
            [sources.tapis.transfer_urls]
            "\(Self.data)" = "\(tapis.storageDoorURL(system: Self.data))"
            """)
        let size = 5 << 20
        try fts.addRucioFile("big.bin", size: size, seed: 51)
        try FileManager.default.createDirectory(at: serverFile("in"), withIntermediateDirectories: true)
        try fixture.mount()
        let source = fixture.rucioPath("\(FTS3MountFixture.scope)/\(FTS3MountFixture.dataset)/big.bin")
        XCTAssertEqual(fixture.run("ls", [path("in"), source]).status, 0)
        tapis.requestLog.clear()
        let cp = fixture.run("cp", [source, path("in/big.bin")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertEqual(fixture.run("cmp", [fts.rucioFile("big.bin").path, serverFile("in/big.bin").path]).status, 0)
        XCTAssertEqual(fts.fts.jobIDs().count, 1, "exactly one FTS job")
        XCTAssertTrue(tapis.requestLog.all.filter { $0.method == "POST" && $0.path.hasPrefix("/v3/files/ops/") }.isEmpty,
                      "nothing was uploaded through Tapis's API")
    }

    private func mountWithTapisAnd(_ seed: () throws -> Void) throws {
        fixture = try MountFixture()
        try startTapis(in: fixture)
        try seed()
        try fixture.mount()
    }
}
