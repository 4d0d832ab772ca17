import Foundation
@testable import JDMAEmulator
import XCTest

/// The read-only endpoints over the demo data: user info, backends, batches, files and archives.
final class JDMAQueryTests: XCTestCase {
    func testSHA256MatchesKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Data(String(repeating: "a", count: 1000).utf8)
        XCTAssertEqual(SHA256.hex(of: long), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testUserInfoAndBackends() async throws {
        let fixture = try JDMAFixture()
        try JDMADemoData.seedDemo(into: fixture.emulator)
        let user = try await fixture.call("GET", "user?name=demo")
        XCTAssertEqual(user.status, 200)
        XCTAssertEqual(try user.object()["name"] as? String, "demo")
        XCTAssertEqual(try user.object()["notify"] as? Bool, true)

        let unknown = try await fixture.call("GET", "user?name=nobody")
        XCTAssertEqual(unknown.status, 403)
        XCTAssertNotNil(try unknown.object()["error"] as? String)
        let missing = try await fixture.call("GET", "user")
        XCTAssertEqual(missing.status, 404)

        let backends = try await fixture.call("GET", "list_backends/")
        XCTAssertEqual(backends.status, 200)
        XCTAssertEqual(try backends.object()["elastictape"] as? String, "Elastic Tape")
        XCTAssertEqual(try backends.object()["objectstore"] as? String, "Object Store")
    }

    func testSlashlessRoutesRedirectLikeAppendSlash() async throws {
        let fixture = try JDMAFixture()
        let reply = try await fixture.call("GET", "migration?name=demo&workspace=gws-climate")
        XCTAssertEqual(reply.status, 301)
        XCTAssertEqual(reply.headers["location"], "/jdma_control/api/v1/migration/?name=demo&workspace=gws-climate")
    }

    func testBatchesOfWorkspaceAreOnStorage() async throws {
        let fixture = try JDMAFixture()
        let ids = try JDMADemoData.seedDemo(into: fixture.emulator)
        let reply = try await fixture.call("GET", "migration/?name=demo&workspace=gws-climate")
        XCTAssertEqual(reply.status, 200)
        let migrations = try XCTUnwrap(try reply.object()["migrations"] as? [[String: Any]])
        XCTAssertEqual(migrations.compactMap { $0["migration_id"] as? Int }, ids)
        XCTAssertEqual(migrations.compactMap { $0["label"] as? String }, ["cmip6-tas-2015", "era5 surface/1990s", "obs_stations"])
        XCTAssertTrue(migrations.allSatisfy { $0["stage"] as? Int == 2 && $0["storage"] as? String == "elastictape" })
        XCTAssertTrue(migrations.allSatisfy { $0["external_id"] is String && $0["registered_date"] is String })

        let single = try await fixture.call("GET", "migration/?name=demo&migration_id=\(ids[1])")
        XCTAssertEqual(try single.object()["label"] as? String, "era5 surface/1990s")
        XCTAssertNil(try single.object()["migrations"])

        let byLabel = try await fixture.call("GET", "migration/?name=demo&label=obs_stations")
        XCTAssertEqual((try byLabel.object()["migrations"] as? [Any])?.count, 1)
        let missing = try await fixture.call("GET", "migration/?name=demo&migration_id=999")
        XCTAssertEqual(missing.status, 404)
    }

    func testFileListingHasNestedPathsSizesAndDigestsWithoutTapeRequests() async throws {
        let fixture = try JDMAFixture()
        let ids = try JDMADemoData.seedDemo(into: fixture.emulator)
        fixture.emulator.requestLog.clear()
        let reply = try await fixture.call("GET", "file/?name=demo&migration_id=\(ids[0])&limit=0&digest=0")
        XCTAssertEqual(reply.status, 200)
        let migration = try XCTUnwrap((try reply.object()["migrations"] as? [[String: Any]])?.first)
        let archive = try XCTUnwrap((migration["archives"] as? [[String: Any]])?.first)
        let files = try XCTUnwrap(archive["files"] as? [[String: Any]])
        let paths = files.compactMap { $0["path"] as? String }
        XCTAssertEqual(paths, ["README.txt", "day/tas_day_2015_01.nc", "day/tas_day_2015_02.nc", "mon/tas_Amon_2015.nc"]
            .map { "/gws/nopw/j04/gws-climate/cmip6-tas-2015/" + $0 })
        XCTAssertTrue(files.allSatisfy { $0["pk "] is Int && $0["digest_format"] as? String == "SHA256" })
        let expected = Data(DeterministicData.bytes(count: 256 << 10, seed: 1))
        XCTAssertEqual(files[1]["size"] as? Int, expected.count)
        XCTAssertEqual(files[1]["digest"] as? String, SHA256.hex(of: expected))
        XCTAssertEqual(try Data(contentsOf: fixture.emulator.storedFile(batch: ids[0], path: "day/tas_day_2015_01.nc")), expected)
        XCTAssertEqual(archive["size"] as? Int, files.compactMap { $0["size"] as? Int }.reduce(0, +))

        let archives = try await fixture.call("GET", "archive/?name=demo&workspace=gws-climate&limit=0&digest=0")
        let listed = try XCTUnwrap(try archives.object()["migrations"] as? [[String: Any]])
        XCTAssertEqual(listed.count, 3)
        XCTAssertTrue(listed.allSatisfy { (($0["archives"] as? [[String: Any]])?.first?["files"]) == nil })

        // Listing touches no tape: no request was submitted.
        XCTAssertTrue(fixture.emulator.requestLog.entries(method: "POST").isEmpty)
        XCTAssertEqual(fixture.emulator.requests(batch: ids[0], type: .get), [])
    }
}
