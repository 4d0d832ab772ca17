import Foundation
import RucioEmulator
import XCTest

/// The API over real HTTP: auth, streams, DIDs, replicas, RSEs, errors.
final class RucioAPITests: XCTestCase {
    private func smallTree(_ fixture: EmulatorFixture) throws {
        let emulator = fixture.emulator
        try emulator.addScope("user.alice", account: "alice")
        try emulator.addCollection(scope: "user.alice", name: "cont", type: .container)
        try emulator.addCollection(scope: "user.alice", name: "ds", type: .dataset)
        try emulator.attach(scope: "user.alice", name: "cont", children: [("user.alice", "ds")])
        try emulator.addFile(scope: "user.alice", name: "f1.root", data: Data("hello rucio".utf8), rses: ["SITE_A", "SITE_B"],
                             meta: ["datatype": "AOD", "run_number": "7"])
        try emulator.addFile(scope: "user.alice", name: "dir/with/slash.txt", size: 3000, seed: 4, rses: ["SITE_B"])
        try emulator.attach(scope: "user.alice", name: "ds", children: [("user.alice", "f1.root"), ("user.alice", "dir/with/slash.txt")])
    }

    func testUserpassPutsTokenInHeadersAndExpiredTokenGets401CannotAuthenticate() async throws {
        let fixture = try EmulatorFixture()
        let reply = try await send("GET", fixture.url("/auth/userpass"), headers: [
            "X-Rucio-Account": "alice", "X-Rucio-Username": "alice", "X-Rucio-Password": "alice-password",
        ])
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.header("X-Rucio-Auth-Account"), "alice")
        XCTAssertTrue(reply.body.isEmpty)
        let token = try XCTUnwrap(reply.header("X-Rucio-Auth-Token"))
        let expires = try XCTUnwrap(reply.header("X-Rucio-Auth-Token-Expires"))
        XCTAssertNotNil(expires.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} UTC$"#, options: .regularExpression), expires)

        let ok = try await fixture.api("GET", "/scopes/", token: token)
        XCTAssertEqual(ok.status, 200)

        let wrong = try await send("GET", fixture.url("/auth/userpass"), headers: [
            "X-Rucio-Account": "alice", "X-Rucio-Username": "alice", "X-Rucio-Password": "nope",
        ])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.header("ExceptionClass"), "CannotAuthenticate")

        fixture.emulator.expireAllTokens()
        let expired = try await fixture.api("GET", "/scopes/", token: token)
        XCTAssertEqual(expired.status, 401)
        XCTAssertEqual(expired.header("ExceptionClass"), "CannotAuthenticate")
        let body = try XCTUnwrap(try expired.json() as? [String: Any])
        XCTAssertEqual(body["ExceptionClass"] as? String, "CannotAuthenticate")
        XCTAssertNotNil(body["ExceptionMessage"] as? String)

        let missing = try await send("GET", fixture.url("/scopes/"))
        XCTAssertEqual(missing.status, 400, "no token header is a ValueError, as on the real server")
        let fresh = try await fixture.token()
        let renewed = try await fixture.api("GET", "/scopes/", token: fresh)
        XCTAssertEqual(renewed.status, 200)
    }

    func testScopeListingIsAJSONStreamOfTopLevelDIDsAndRecursiveAddsChildren() async throws {
        let fixture = try EmulatorFixture()
        try smallTree(fixture)
        let token = try await fixture.token()

        let top = try await fixture.api("GET", "/dids/user.alice/", token: token)
        XCTAssertEqual(top.status, 200)
        XCTAssertEqual(top.header("Content-Type"), "application/x-json-stream")
        let rows = try top.streamLines().compactMap { $0 as? [String: Any] }
        XCTAssertEqual(rows.map { $0["name"] as? String }, ["cont"], "ds and files are attached inside the scope")
        XCTAssertEqual(rows.first?["type"] as? String, "CONTAINER")
        XCTAssertEqual(rows.first?["level"] as? Int, 0)
        XCTAssertTrue(rows.first?["parent"] is NSNull)

        let recursive = try await fixture.api("GET", "/dids/user.alice/?recursive=True", token: token)
        let all = try recursive.streamLines().compactMap { $0 as? [String: Any] }
        XCTAssertEqual(all.map { $0["name"] as? String }, ["cont", "ds", "dir/with/slash.txt", "f1.root"])
        XCTAssertEqual(all.map { $0["level"] as? Int }, [0, 1, 2, 2])
        XCTAssertEqual((all[1]["parent"] as? [String: Any])?["name"] as? String, "cont")

        let content = try await fixture.api("GET", "/dids/user.alice/ds/dids", token: token)
        let children = try content.streamLines().compactMap { $0 as? [String: Any] }
        XCTAssertEqual(Set(children.compactMap { $0["name"] as? String }), ["f1.root", "dir/with/slash.txt"])
        XCTAssertEqual(children.first { $0["name"] as? String == "f1.root" }?["bytes"] as? Int, 11)

        let names = try await fixture.api("GET", "/dids/user.alice/dids/search?type=all&filters=%5B%7B%27name%27%3A%20%27%2A.root%27%7D%5D&long=False",
                                          token: token)
        XCTAssertEqual(try names.streamLines() as? [String], ["f1.root"], "long=False yields bare JSON strings")
        let long = try await fixture.api("GET", "/dids/user.alice/dids/search?type=file&filters=%5B%7B%27run_number.gt%27%3A%205%7D%5D&long=True",
                                         token: token)
        let hit = try XCTUnwrap(try long.streamLines().first as? [String: Any])
        XCTAssertEqual(hit["did_type"] as? String, "FILE")
        XCTAssertEqual(hit["name"] as? String, "f1.root")

        let empty = try await fixture.api("GET", "/dids/user.alice/f1.root/dids", token: token)
        XCTAssertEqual(empty.status, 200)
        XCTAssertTrue(empty.body.isEmpty, "an empty stream is a 200 with an empty body")
    }

    func testDIDWithSlashInNameIsReachableEncodedAndRaw() async throws {
        let fixture = try EmulatorFixture()
        try smallTree(fixture)
        let token = try await fixture.token()
        for path in ["/dids/user.alice/dir%2Fwith%2Fslash.txt", "/dids/user.alice/dir/with/slash.txt"] {
            let reply = try await fixture.api("GET", path, token: token)
            XCTAssertEqual(reply.status, 200, path)
            let did = try XCTUnwrap(try reply.json() as? [String: Any])
            XCTAssertEqual(did["name"] as? String, "dir/with/slash.txt")
            XCTAssertEqual(did["type"] as? String, "FILE")
            XCTAssertEqual(did["bytes"] as? Int, 3000)
        }
        let parents = try await fixture.api("GET", "/dids/user.alice/dir%2Fwith%2Fslash.txt/parents", token: token)
        XCTAssertEqual((try parents.streamLines().first as? [String: Any])?["name"] as? String, "ds")
        let missing = try await fixture.api("GET", "/dids/user.alice/nope", token: token)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.header("ExceptionClass"), "DataIdentifierNotFound")
    }

    func testMetadataAndDynamicDepthSizes() async throws {
        let fixture = try EmulatorFixture()
        try smallTree(fixture)
        let token = try await fixture.token()
        let metaReply = try await fixture.api("GET", "/dids/user.alice/f1.root/meta?plugin=ALL", token: token)
        let meta = try XCTUnwrap(try metaReply.json() as? [String: Any])
        XCTAssertEqual(meta["datatype"] as? String, "AOD")
        XCTAssertEqual(meta["run_number"] as? Int, 7)
        XCTAssertEqual(meta["adler32"] as? String, FileChecksumsProbe.adler32("hello rucio"))

        let set = try await fixture.api("POST", "/dids/user.alice/f1.root/meta", token: token, json: ["meta": ["campaign": "MC23", "quality": "gold"]])
        XCTAssertEqual(set.status, 201)
        let jsonReply = try await fixture.api("GET", "/dids/user.alice/f1.root/meta?plugin=JSON", token: token)
        let json = try XCTUnwrap(try jsonReply.json() as? [String: Any])
        XCTAssertEqual(json["quality"] as? String, "gold")

        let containerReply = try await fixture.api("GET", "/dids/user.alice/cont?dynamic_depth=FILE", token: token)

        let container = try XCTUnwrap(try containerReply.json() as? [String: Any])
        XCTAssertEqual(container["bytes"] as? Int, 3011)
        XCTAssertEqual(container["length"] as? Int, 2)
        XCTAssertEqual(container["open"] as? Bool, true)
        let files = try await fixture.api("GET", "/dids/user.alice/cont/files", token: token)
        XCTAssertEqual(try files.streamLines().count, 2)
    }

    func testReplicaListRecordHasRSEsPFNsAndStatesPerFile() async throws {
        let fixture = try EmulatorFixture()
        try smallTree(fixture)
        let token = try await fixture.token()
        let reply = try await fixture.api("POST", "/replicas/list", token: token,
                                          json: ["dids": [["scope": "user.alice", "name": "ds"]], "schemes": ["davs", "https", "http"]])
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.header("Content-Type"), "application/x-json-stream")
        let records = try reply.streamLines().compactMap { $0 as? [String: Any] }
        XCTAssertEqual(records.count, 2)
        let f1 = try XCTUnwrap(records.first { $0["name"] as? String == "f1.root" })
        XCTAssertEqual(f1["scope"] as? String, "user.alice")
        XCTAssertEqual(f1["bytes"] as? Int, 11)
        XCTAssertEqual(f1["adler32"] as? String, FileChecksumsProbe.adler32("hello rucio"))
        XCTAssertEqual((f1["md5"] as? String)?.count, 32)
        let rses = try XCTUnwrap(f1["rses"] as? [String: [String]])
        XCTAssertEqual(Set(rses.keys), ["SITE_A", "SITE_B"])
        let pfnA = try XCTUnwrap(rses["SITE_A"]?.first)
        XCTAssertEqual(pfnA, fixture.emulator.pfn(rse: "SITE_A", scope: "user.alice", name: "f1.root"))
        XCTAssertTrue(pfnA.hasPrefix(fixture.emulator.storageURL(rse: "SITE_A").absoluteString + "site_a/rucio/user/alice/52/0d/"), pfnA)
        let pfns = try XCTUnwrap(f1["pfns"] as? [String: [String: Any]])
        XCTAssertEqual(pfns[pfnA]?["rse"] as? String, "SITE_A")
        XCTAssertEqual(pfns[pfnA]?["domain"] as? String, "wan")
        XCTAssertEqual(pfns[pfnA]?["priority"] as? Int, 1)
        XCTAssertEqual(pfns[pfnA]?["type"] as? String, "DISK")
        XCTAssertEqual(f1["states"] as? [String: String], ["SITE_A": "AVAILABLE", "SITE_B": "AVAILABLE"])

        let none = try await fixture.api("POST", "/replicas/list", token: token, json: ["dids": [["scope": "user.alice", "name": "ghost"]]])
        XCTAssertEqual(none.status, 400)
        XCTAssertEqual(none.header("ExceptionClass"), "DataIdentifierNotFound")
        let single = try await fixture.api("GET", "/replicas/user.alice/dir%2Fwith%2Fslash.txt", token: token)
        XCTAssertEqual((try single.streamLines().first as? [String: Any])?["rses"] as? [String: [String]],
                       ["SITE_B": [fixture.emulator.pfn(rse: "SITE_B", scope: "user.alice", name: "dir/with/slash.txt") ?? ""]])
    }

    func testLfns2pfnsUsesTheDeterministicHashPath() async throws {
        let fixture = try EmulatorFixture()
        let token = try await fixture.token()
        let reply = try await fixture.api("GET", "/rses/SITE_B/lfns2pfns?lfn=user.alice:f1.root&lfn=data23:x%2Fy.dat&scheme=http&operation=write", token: token)
        XCTAssertEqual(reply.status, 200)
        let map = try XCTUnwrap(try reply.json() as? [String: String])
        let origin = fixture.emulator.storageURL(rse: "SITE_B").absoluteString
        // md5("user.alice:f1.root") = 520d367e…
        XCTAssertEqual(map["user.alice:f1.root"], origin + "site_b/rucio/user/alice/52/0d/f1.root")
        XCTAssertEqual(LFN2PFN.hashPath(scope: "user.alice", name: "f1.root"), "user/alice/52/0d/f1.root")
        XCTAssertTrue(map["data23:x/y.dat"]?.hasSuffix("/x/y.dat") ?? false)
        XCTAssertTrue(map["data23:x/y.dat"]?.contains("/site_b/rucio/data23/") ?? false, "only user/group scopes get dots replaced")

        let infoReply = try await fixture.api("GET", "/rses/SITE_B", token: token)

        let info = try XCTUnwrap(try infoReply.json() as? [String: Any])
        XCTAssertEqual(info["lfn2pfn_algorithm"] as? String, "hash")
        XCTAssertEqual(info["deterministic"] as? Bool, true)
        let proto = try XCTUnwrap((info["protocols"] as? [[String: Any]])?.first)
        XCTAssertEqual(proto["scheme"] as? String, "http")
        XCTAssertEqual(proto["prefix"] as? String, "/site_b/rucio/")
        XCTAssertEqual(proto["port"] as? Int, fixture.emulator.storageURL(rse: "SITE_B").port)
        let unknown = try await fixture.api("GET", "/rses/NOWHERE", token: token)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.header("ExceptionClass"), "RSENotFound")
        let attributesReply = try await fixture.api("GET", "/rses/SITE_A/attr/", token: token)
        let attributes = try XCTUnwrap(try attributesReply.json() as? [String: Any])
        XCTAssertEqual(attributes["SITE_A"] as? Bool, true)
    }

    func testAttachToClosedDatasetIsRefusedWith409UnsupportedOperation() async throws {
        let fixture = try EmulatorFixture()
        try smallTree(fixture)
        let token = try await fixture.token()
        let close = try await fixture.api("PUT", "/dids/user.alice/ds/status", token: token, json: ["open": false])
        XCTAssertEqual(close.status, 200)
        let didReply = try await fixture.api("GET", "/dids/user.alice/ds", token: token)
        let did = try XCTUnwrap(try didReply.json() as? [String: Any])
        XCTAssertEqual(did["open"] as? Bool, false)

        try fixture.emulator.addFile(scope: "user.alice", name: "late.root", data: Data("late".utf8), rses: ["SITE_A"])
        let attach = try await fixture.api("POST", "/dids/user.alice/ds/dids", token: token,
                                           json: ["dids": [["scope": "user.alice", "name": "late.root"]]])
        XCTAssertEqual(attach.status, 409)
        XCTAssertEqual(attach.header("ExceptionClass"), "UnsupportedOperation")
        XCTAssertTrue(attach.header("ExceptionMessage")?.contains("closed") ?? false)
        XCTAssertThrowsError(try fixture.emulator.attach(scope: "user.alice", name: "ds", children: [("user.alice", "late.root")]))
    }

    func testCreatingDatasetsChecksScopeOwnershipAndDuplicates() async throws {
        let fixture = try EmulatorFixture()
        try smallTree(fixture)
        let alice = try await fixture.token(account: "alice", username: "alice", password: "alice-password")
        let created = try await fixture.api("POST", "/dids/user.alice/new.ds", token: alice, json: ["type": "DATASET"])
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.text, "Created")
        let again = try await fixture.api("POST", "/dids/user.alice/new.ds", token: alice, json: ["type": "DATASET"])
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(again.header("ExceptionClass"), "DataIdentifierAlreadyExists")
        try fixture.emulator.addScope("data23", account: "root")
        let foreign = try await fixture.api("POST", "/dids/data23/x", token: alice, json: ["type": "DATASET"])
        XCTAssertEqual(foreign.status, 401)
        let scopes = try await fixture.api("GET", "/accounts/alice/scopes/", token: alice)
        XCTAssertEqual(try scopes.json() as? [String], ["user.alice"])
    }

    func testFaultInjectionAndRequestLogCoverTheAPI() async throws {
        let fixture = try EmulatorFixture()
        let token = try await fixture.token()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/scopes", action: .status(503))
        let faulted = try await fixture.api("GET", "/scopes/", token: token)
        XCTAssertEqual(faulted.status, 503)
        let next = try await fixture.api("GET", "/scopes/", token: token)
        XCTAssertEqual(next.status, 200)
        let entries = fixture.emulator.requestLog.entries(method: "GET", pathPrefix: "/scopes", listener: "api")
        XCTAssertEqual(entries.map(\.status), [503, 200])
    }
}

/// Expected checksums computed independently of the emulator (zlib's definition of Adler-32).
enum FileChecksumsProbe {
    static func adler32(_ text: String) -> String {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in text.utf8 {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return String(format: "%08x", (b << 16) | a)
    }
}
