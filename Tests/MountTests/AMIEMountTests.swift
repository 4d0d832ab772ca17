import AMIEEmulator
import Foundation
import XCTest

/// A site operator's day with AMIE through a real FUSE mount: packets are JSON files read with ordinary tools,
/// client state is an xattr, a reply is sent by copying a JSON file into `outgoing/`, and an incomplete packet
/// fails the copy with EINVAL without reaching the server.
final class AMIEMountTests: XCTestCase {
    private var session: AMIEMountSession!

    override func setUpWithError() throws { session = try AMIEMountSession() }

    override func tearDown() {
        if let session, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(session.log.suffix(4000))")
        }
        session?.tearDown()
        session = nil
    }

    private var emulator: AMIEEmulator { session.emulator }

    private func projectRequest() throws -> Int64 {
        try emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "new", "GrantNumber": "CHE230042", "PfosNumber": "2300420", "RecordID": "REC-1",
             "PiFirstName": "Ada", "PiLastName": "Okafor", "PiOrganization": "University of Example",
             "PiOrgCode": "0012345", "ProjectTitle": "Catalysis", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "ServiceUnitsAllocated": "50000", "StartDate": "2024-07-01", "EndDate": "2025-06-30"}
            """)
    }

    func testPacketsAreJSONFilesAndClientStateIsAnXattr() throws {
        let id = try projectRequest()
        try session.mount()
        let name = "\(id)-request_project_create.json"
        XCTAssertEqual(session.run("ls", [session.path("")]).lines, ["packets", "transactions"])
        XCTAssertEqual(session.run("ls", [session.path("packets/incoming")]).lines, [name])
        let file = session.path("packets/incoming/\(name)")
        let size = session.run("stat", ["-c", "%s", file]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let wc = session.shell("wc -c < '\(file)'").text.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(size, wc, "stat's size is the number of bytes cat reads")
        let python = session.run("python3", ["-c", """
            import json, sys
            p = json.load(open(sys.argv[1]))
            print(p["type"], p["header"]["packet_rec_id"], p["body"]["GrantNumber"], p["body"]["ResourceList"][0])
            """, file])
        XCTAssertEqual(python.text, "request_project_create \(id) CHE230042 bridges2-cpu.psc.access-ci\n", python.stderr)
        XCTAssertEqual(session.run("grep", ["-c", "PiOrgCode", file]).text, "1\n")

        XCTAssertEqual(session.run("getfattr", ["--only-values", "-n", "user.amie.state", file]).text, "in-progress")
        let set = session.run("setfattr", ["-n", "user.amie.client_state", "-v", "processing", file])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertEqual(emulator.packet(id)?.clientState, "processing")
        XCTAssertEqual(session.run("getfattr", ["--only-values", "-n", "user.amie.client_state", file]).text, "processing")
        XCTAssertTrue(session.run("cat", [file]).text.contains("\"client_state\": \"processing\""), "the file shows the new header")
        let dump = session.run("getfattr", ["-d", file]).text
        XCTAssertTrue(dump.contains("user.amie.type=\"request_project_create\""), dump)
    }

    func testCopyingAReplyIntoOutgoingSendsItAndTheTransactionGroupsTheConversation() throws {
        let id = try projectRequest()
        try session.mount()
        let reply = session.root.appendingPathComponent("npc.json")
        try Data("""
            {"type": "notify_project_create", "header": {"in_reply_to": \(id)},
             "body": {"PiPersonID": "u-ada", "PiRemoteSiteLogin": "aokafor", "ProjectID": "p-che230042"}}
            """.utf8).write(to: reply)
        let cp = session.run("cp", [reply.path, session.path("packets/outgoing/")])
        XCTAssertEqual(cp.status, 0, cp.stderr)
        let sent = try XCTUnwrap(emulator.packets.first { $0.type == "notify_project_create" })
        XCTAssertEqual(sent.inReplyTo, id)
        XCTAssertEqual(emulator.requestLog.entries(method: "POST").count, 1, "sent once")

        Thread.sleep(forTimeInterval: 1.5) // past the listing TTL of 1 s
        XCTAssertEqual(session.run("ls", [session.path("packets/outgoing")]).lines, ["\(sent.packetRecID)-notify_project_create.json"])
        let members = session.run("ls", [session.path("transactions/\(sent.transRecID)")]).lines
        XCTAssertEqual(members.count, 3, "\(members)")
        XCTAssertTrue(members.last?.hasSuffix("-data_project_create.json") == true, "\(members)")
        let transaction = session.path("transactions/\(sent.transRecID)")
        let fail = session.run("setfattr", ["-n", "user.amie.state", "-v", "failed", transaction])
        XCTAssertEqual(fail.status, 0, fail.stderr)
        XCTAssertEqual(emulator.transactionState(sent.transRecID), "failed")
    }

    func testAnIncompletePacketFailsTheCopyWithEINVALAndIsNotSent() throws {
        let id = try projectRequest()
        try session.mount()
        let bad = session.root.appendingPathComponent("bad.json")
        try Data("""
            {"type": "notify_project_create", "header": {"in_reply_to": \(id)}, "body": {"ProjectID": "p-1"}}
            """.utf8).write(to: bad)
        emulator.requestLog.clear()
        let cp = session.run("cp", [bad.path, session.path("packets/outgoing/bad.json")])
        XCTAssertNotEqual(cp.status, 0, "cp must report the failed close")
        XCTAssertTrue(cp.stderr.contains("Invalid argument"), cp.stderr)
        XCTAssertTrue(emulator.requestLog.entries(method: "POST").isEmpty, "nothing half-formed reached the server")
        XCTAssertTrue(session.log.contains("missing keys: PiPersonID, PiRemoteSiteLogin"), session.log.suffix(2000).description)

        // cp reports a failed close (bash ignores one after `>`); as root the mode bits alone would not stop it.
        let write = session.run("cp", [bad.path, session.path("packets/incoming/new.json")])
        XCTAssertNotEqual(write.status, 0, "incoming/ takes no new files")
        XCTAssertTrue(write.stderr.contains("Permission denied"), write.stderr)
    }
}

/// One AMIE emulator, a config with a single AMIE source, and the real `sciencefs` binary mounted on a
/// temporary directory; always unmounted in `tearDown`.
final class AMIEMountSession {
    let root: URL
    let mountpoint: URL
    let configURL: URL
    let logURL: URL
    let emulator: AMIEEmulator
    private var process: Process?

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-amie-\(UUID().uuidString)")
        mountpoint = root.appendingPathComponent("mnt")
        configURL = root.appendingPathComponent("config.toml")
        logURL = root.appendingPathComponent("sciencefs.log")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        emulator = AMIEEmulator()
        try emulator.start()
        let config = """
            cache_dir = "\(root.appendingPathComponent("cache").path)"

            [sources.amie]
            type = "amie"
            base_url = "\(emulator.baseURL.absoluteString)"
            site_name = "\(emulator.configuration.siteName)"
            api_key_env = "SCIENCEFS_TEST_AMIE_KEY"
            listing_ttl = 1.0
            attribute_ttl = 1.0
            """
        try config.write(to: configURL, atomically: true, encoding: .utf8)
    }

    func path(_ relative: String) -> String {
        let base = mountpoint.appendingPathComponent("amie").path
        return relative.isEmpty ? base : base + "/" + relative
    }

    func mount() throws {
        let process = Process()
        process.executableURL = MountFixture.binary
        process.arguments = ["mount", "-f", "-d", "--config", configURL.path, "--log-file", logURL.path, mountpoint.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment["SCIENCEFS_TEST_AMIE_KEY"] = emulator.configuration.apiKey
        process.environment = environment
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if isMounted { return }
            if !process.isRunning { throw FixtureError("sciencefs exited with \(process.terminationStatus):\n\(log)") }
            usleep(50_000)
        }
        throw FixtureError("mount did not appear within 30 s:\n\(log)")
    }

    var isMounted: Bool {
        let info = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return info.split(separator: "\n").contains { $0.contains(" \(mountpoint.path) ") && $0.contains("fuse.sciencefs") }
    }

    func tearDown() {
        if let process {
            if isMounted { run("fusermount3", ["-u", mountpoint.path]) }
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning {
                run("fusermount3", ["-uz", mountpoint.path])
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            self.process = nil
        }
        emulator.stop()
        try? FileManager.default.removeItem(at: root)
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Runs a real tool and collects its output (stdout and stderr read concurrently so neither pipe fills).
    @discardableResult
    func run(_ tool: String, _ arguments: [String]) -> MountFixture.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return MountFixture.Result(status: -1, stdout: Data(), stderr: "\(error)") }
        // stderr is drained on another thread so neither pipe can fill up and stall the tool.
        final class Box: @unchecked Sendable { var data = Data() }
        let stderr = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderr.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return MountFixture.Result(status: process.terminationStatus, stdout: stdout,
                                   stderr: String(decoding: stderr.data, as: UTF8.self))
    }

    @discardableResult
    func shell(_ script: String) -> MountFixture.Result { run("bash", ["-c", script]) }
}
