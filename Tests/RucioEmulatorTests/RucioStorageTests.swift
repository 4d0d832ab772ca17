import Foundation
import RucioEmulator
import XCTest

/// The per-RSE storage listeners: ranged reads, the upload sequence of `rucio upload`, availability.
final class RucioStorageTests: XCTestCase {
    func testRangedGetsReturn206AndPastEndIs416() async throws {
        let fixture = try EmulatorFixture()
        try fixture.emulator.addScope("data23", account: "root")
        try fixture.emulator.addFile(scope: "data23", name: "big.bin", size: 1_000_000, seed: 11, rses: ["SITE_A"])
        let expected = DeterministicData.bytes(count: 1_000_000, seed: 11)
        let pfn = try XCTUnwrap(fixture.emulator.pfn(rse: "SITE_A", scope: "data23", name: "big.bin").flatMap(URL.init(string:)))

        let whole = try await send("GET", pfn)
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(Array(whole.body), expected)

        let middle = try await send("GET", pfn, headers: ["Range": "bytes=1000-1999"])
        XCTAssertEqual(middle.status, 206)
        XCTAssertEqual(middle.header("Content-Range"), "bytes 1000-1999/1000000")
        XCTAssertEqual(Array(middle.body), Array(expected[1000...1999]))

        let tail = try await send("GET", pfn, headers: ["Range": "bytes=999990-2000000"])
        XCTAssertEqual(tail.status, 206, "an end past EOF is clamped, as WebDAV servers do")
        XCTAssertEqual(Array(tail.body), Array(expected[999_990...]))

        let beyond = try await send("GET", pfn, headers: ["Range": "bytes=1000000-"])
        XCTAssertEqual(beyond.status, 416)
        XCTAssertEqual(beyond.header("Content-Range"), "bytes */1000000")

        let head = try await send("HEAD", pfn)
        XCTAssertEqual(head.header("Content-Length"), "1000000")

        let logged = fixture.emulator.requestLog.entries(method: "GET", listener: "SITE_A")
        XCTAssertEqual(logged.map(\.range), [nil, "bytes=1000-1999", "bytes=999990-2000000", "bytes=1000000-"])
        XCTAssertEqual(logged.first?.bytesSent, 1_000_000)
    }

    func testUploadLikeRucioUploadPutMoveRegisterAttach() async throws {
        let fixture = try EmulatorFixture()
        try fixture.emulator.addScope("user.alice", account: "alice")
        try fixture.emulator.addCollection(scope: "user.alice", name: "ds", type: .dataset)
        let token = try await fixture.token(account: "alice", username: "alice", password: "alice-password")
        let payload = Data(DeterministicData.bytes(count: 300_001, seed: 5))

        // 1. Register the replica as COPYING (this also creates the file DID).
        let adler = FileChecksumsProbe.adler32(bytes: payload)
        let add = try await fixture.api("POST", "/replicas", token: token, json: [
            "rse": "SITE_B", "files": [["scope": "user.alice", "name": "up.bin", "bytes": payload.count, "adler32": adler, "state": "C"]],
        ])
        XCTAssertEqual(add.status, 201)
        // 2. PUT the bytes to <pfn>.rucio.upload, then MOVE into place.
        let pfnsReply = try await fixture.api("GET", "/rses/SITE_B/lfns2pfns?lfn=user.alice:up.bin", token: token)
        let pfns = try XCTUnwrap(try pfnsReply.json() as? [String: String])
        let pfn = try XCTUnwrap(pfns["user.alice:up.bin"].flatMap(URL.init(string:)))
        let temporary = try XCTUnwrap(URL(string: pfn.absoluteString + ".rucio.upload"))
        let put = try await send("PUT", temporary, body: payload)
        XCTAssertEqual(put.status, 201)
        let propfind = try await send("PROPFIND", temporary, headers: ["Depth": "0"])
        XCTAssertEqual(propfind.status, 207)
        XCTAssertTrue(propfind.text.contains("<D:getcontentlength>300001</D:getcontentlength>"), propfind.text)
        let move = try await send("MOVE", temporary, headers: ["Destination": pfn.absoluteString])
        XCTAssertEqual(move.status, 201)
        let gone = try await send("GET", temporary)
        XCTAssertEqual(gone.status, 404)
        let onDisk = try Data(contentsOf: fixture.emulator.storageFile(rse: "SITE_B", scope: "user.alice", name: "up.bin"))
        XCTAssertEqual(onDisk, payload)

        // A COPYING replica is not listed until it is marked AVAILABLE.
        let before = try await fixture.api("POST", "/replicas/list", token: token, json: ["dids": [["scope": "user.alice", "name": "up.bin"]]])
        XCTAssertEqual((try before.streamLines().first as? [String: Any])?["rses"] as? [String: [String]], [:])
        let update = try await fixture.api("PUT", "/replicas", token: token, json: [
            "rse": "SITE_B", "files": [["scope": "user.alice", "name": "up.bin", "state": "A"]],
        ])
        XCTAssertEqual(update.status, 200)
        let attach = try await fixture.api("POST", "/dids/user.alice/ds/dids", token: token,
                                           json: ["dids": [["scope": "user.alice", "name": "up.bin"]]])
        XCTAssertEqual(attach.status, 201)

        let after = try await fixture.api("POST", "/replicas/list", token: token, json: ["dids": [["scope": "user.alice", "name": "ds"]]])
        let record = try XCTUnwrap(try after.streamLines().first as? [String: Any])
        XCTAssertEqual(record["rses"] as? [String: [String]], ["SITE_B": [pfn.absoluteString]])
        XCTAssertEqual(record["adler32"] as? String, adler)
        let read = try await send("GET", pfn, headers: ["Range": "bytes=300000-300000"])
        XCTAssertEqual(Array(read.body), [payload[300_000]])

        let delete = try await send("DELETE", pfn)
        XCTAssertEqual(delete.status, 204)
    }

    func testUnavailableRSEAnswers503AndLogNamesTheRSE() async throws {
        let fixture = try EmulatorFixture()
        try fixture.emulator.addScope("data23", account: "root")
        try fixture.emulator.addFile(scope: "data23", name: "f", data: Data("x".utf8), rses: ["SITE_A", "SITE_B"])
        let pfnA = try XCTUnwrap(fixture.emulator.pfn(rse: "SITE_A", scope: "data23", name: "f").flatMap(URL.init(string:)))
        let pfnB = try XCTUnwrap(fixture.emulator.pfn(rse: "SITE_B", scope: "data23", name: "f").flatMap(URL.init(string:)))
        fixture.emulator.setRSE("SITE_A", available: false)
        let down = try await send("GET", pfnA)
        XCTAssertEqual(down.status, 503)
        let up = try await send("GET", pfnB)
        XCTAssertEqual(up.status, 200)
        XCTAssertEqual(up.text, "x")
        fixture.emulator.setRSE("SITE_A", available: true)
        let back = try await send("GET", pfnA)
        XCTAssertEqual(back.status, 200)
        XCTAssertEqual(fixture.emulator.requestLog.entries(listener: "SITE_A").map(\.status), [503, 200])
        XCTAssertEqual(fixture.emulator.requestLog.entries(listener: "SITE_B").map(\.status), [200])
    }

    func testCorruptedReplicaKeepsCatalogChecksum() async throws {
        let fixture = try EmulatorFixture()
        try fixture.emulator.addScope("data23", account: "root")
        try fixture.emulator.addFile(scope: "data23", name: "c", data: Data("original".utf8), rses: ["SITE_A"])
        try Data("corrupt!".utf8).write(to: fixture.emulator.storageFile(rse: "SITE_A", scope: "data23", name: "c"))
        let token = try await fixture.token()
        let recordReply = try await fixture.api("GET", "/replicas/data23/c", token: token)
        let record = try XCTUnwrap(try recordReply.streamLines().first as? [String: Any])
        XCTAssertEqual(record["adler32"] as? String, FileChecksumsProbe.adler32("original"))
        let pfn = try XCTUnwrap(fixture.emulator.pfn(rse: "SITE_A", scope: "data23", name: "c").flatMap(URL.init(string:)))
        let body = try await send("GET", pfn)
        XCTAssertEqual(body.text, "corrupt!")
    }
}

extension FileChecksumsProbe {
    static func adler32(bytes: Data) -> String {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return String(format: "%08x", (b << 16) | a)
    }
}
