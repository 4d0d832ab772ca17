import AgaveEmulator
import Foundation
import JDMAEmulator
import RucioEmulator
import XCTest

/// `getfattr -d -m user.sciencefs` tells where each file came from, for Agave (files and job outputs), Rucio and
/// JDMA files: bytes cached, the replica/URL/batch the last read came from (without credentials), the last
/// whole-file checksum check, and the job that made a file. Reading those names costs no request to any service.
final class ProvenanceXattrTests: XCTestCase {
    private var fixture: MountFixture!
    private var service: JDMATestService!
    private var jdma: JDMAEmulator { service.jdma }
    private var rucio: RucioEmulator { fixture.rucio! }
    private let scope = "user.alice"

    override func setUpWithError() throws {
        service = try JDMATestService(prefix: "sciencefs-prov")
        fixture = try MountFixture(withRucio: true, extraConfig: service.sourceTable())
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        service?.stop()
    }

    /// `getfattr -d -m user.sciencefs` as name → value.
    private func provenance(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        let result = fixture.run("getfattr", ["--absolute-names", "-d", "-m", "user.sciencefs", path])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        var values: [String: String] = [:]
        for text in result.lines where !text.hasPrefix("#") {
            guard let equals = text.firstIndex(of: "=") else { continue }
            values[String(text[..<equals])] = String(text[text.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return values
    }

    private var requestCounts: [Int] {
        [fixture.emulator.requestLog.all.count, rucio.requestLog.all.count, jdma.requestLog.all.count]
    }

    /// Reads the file, then shows that asking for its provenance names costs no request to any service.
    private func readThenProvenance(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        XCTAssertEqual(fixture.run("cat", [path]).status, 0, file: file, line: line)
        _ = fixture.run("getfattr", ["--absolute-names", "-d", "-m", "-", path]) // the backends' own names, kept for the TTL
        let before = requestCounts
        let values = provenance(path, file: file, line: line)
        XCTAssertEqual(requestCounts, before, "getfattr -d -m user.sciencefs made a request", file: file, line: line)
        return values
    }

    private func assertNoCredentials(_ origin: String?, file: StaticString = #filePath, line: UInt = #line) {
        guard let origin else { return XCTFail("no served_from", file: file, line: line) }
        XCTAssertFalse(origin.contains("@") || origin.contains("?"), origin, file: file, line: line)
        for secret in ["alice-password", fixture.emulator.configuration.clientSecret] + fixture.emulator.issuedTokens {
            XCTAssertFalse(origin.contains(secret), origin, file: file, line: line)
        }
    }

    func testAgaveFileAndJobOutput() throws {
        try fixture.writeServerFile("prov/data.txt", Data("hello provenance\n".utf8))
        let jobID = try fixture.emulator.addJob(name: "calibration", appId: "app-1.0", executionSystem: MountFixture.system,
                                                outputs: ["out/result.csv": Data("a,b\n1,2\n".utf8)])
        try fixture.mount()
        let path = fixture.path("prov/data.txt")
        XCTAssertEqual(provenance(path)["user.sciencefs.cached"], "0 of 17 bytes, not cached")
        XCTAssertNil(provenance(path)["user.sciencefs.served_from"], "never read in this mount")

        let values = readThenProvenance(path)
        XCTAssertEqual(values["user.sciencefs.cached"], "17 of 17 bytes, complete")
        XCTAssertEqual(values["user.sciencefs.pin"], "0")
        XCTAssertEqual(values["user.sciencefs.source"], "agave")
        XCTAssertEqual(values["user.sciencefs.served_from"],
                       fixture.emulator.baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                           + "/files/v2/media/system/\(MountFixture.system)/prov/data.txt")
        XCTAssertNil(values["user.sciencefs.job"], "no job made this file")
        assertNoCredentials(values["user.sciencefs.served_from"])

        let output = fixture.mountpoint.appendingPathComponent("agave/jobs/calibration-\(jobID)/outputs/out/result.csv").path
        let job = readThenProvenance(output)
        XCTAssertEqual(job["user.sciencefs.job"], jobID)
        XCTAssertEqual(job["user.sciencefs.cached"], "8 of 8 bytes, complete")
        XCTAssertTrue(job["user.sciencefs.served_from"]?.hasSuffix("/jobs/v2/\(jobID)/outputs/media/out/result.csv") == true,
                      "\(job)")
        assertNoCredentials(job["user.sciencefs.served_from"])
    }

    func testRucioFileSaysWhichReplicaAndChecksum() throws {
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds", type: .dataset)
        try rucio.addFile(scope: scope, name: "events.root", data: Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0) }),
                          rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds", children: [(scope, "events.root")])
        try fixture.mount()
        let path = fixture.rucioPath("\(scope)/ds/events.root")
        XCTAssertEqual(provenance(path)["user.sciencefs.verified"], "no")

        let values = readThenProvenance(path)
        XCTAssertEqual(values["user.sciencefs.cached"], "300000 of 300000 bytes, complete")
        let served = values["user.sciencefs.served_from"] ?? ""
        XCTAssertTrue(served.hasSuffix(" (RSE SITE_A)") && served.hasPrefix("http://127.0.0.1:"), served)
        XCTAssertTrue(served.contains("events.root"), served)
        assertNoCredentials(served)
        let verified = values["user.sciencefs.verified"] ?? ""
        XCTAssertNotNil(verified.range(of: #"^adler32:[0-9a-f]{8} md5:[0-9a-f]{32} at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#,
                                       options: .regularExpression), verified)
        XCTAssertEqual(values["user.sciencefs.verify"], "whole-before-read")
    }

    /// A pinned file is kept for good, so the pin checks it: `verified` names the checksums before any read of it.
    func testPinningARucioFileVerifiesItBeforeAnyRead() throws {
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "ds", type: .dataset)
        try rucio.addFile(scope: scope, name: "kept.root", data: Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }),
                          rses: ["SITE_A"])
        try rucio.attach(scope: scope, name: "ds", children: [(scope, "kept.root")])
        try fixture.mount()
        let path = fixture.rucioPath("\(scope)/ds/kept.root")
        let pin = fixture.run("setfattr", ["-n", "user.sciencefs.pin", "-v", "1", path])
        XCTAssertEqual(pin.status, 0, pin.stderr)
        let values = provenance(path)
        XCTAssertEqual(values["user.sciencefs.pin"], "1")
        XCTAssertEqual(values["user.sciencefs.cached"], "200000 of 200000 bytes, complete")
        let verified = values["user.sciencefs.verified"] ?? ""
        XCTAssertTrue(verified.hasPrefix("adler32:") && verified.contains(" md5:"), verified)
    }

    func testJDMAFileSaysWhichBatchAndStorage() throws {
        let batch = try jdma.addBatch(user: "alice", workspace: "gws", label: "run17",
                                      files: ["out.nc": Data(repeating: 9, count: 5000)], onTape: true)
        try fixture.mount()
        let path = fixture.mountpoint.appendingPathComponent("jdma/gws/run17/out.nc").path
        let values = readThenProvenance(path)
        XCTAssertEqual(values["user.sciencefs.served_from"], "JDMA batch \(batch) (run17) on elastictape")
        XCTAssertEqual(values["user.sciencefs.cached"], "5000 of 5000 bytes, complete")
        XCTAssertTrue(values["user.sciencefs.verified"]?.hasPrefix("sha256:") == true, "\(values)")
    }
}
