import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TapisEmulator
import XCTest

/// Tapis emulator behaviour the tapipy script does not reach (docs/protocols/tapis.md): HTTP ranges, paging edges,
/// token expiry, transfer task states held mid-way, injected faults, an upload broken mid-body, a running job's
/// growing outputs and the storage door. Plain URLSession over loopback.
final class TapisEmulatorHTTPTests: XCTestCase {
    private var stateDirectory: URL!
    private var emulator: TapisEmulator!
    private var token = ""
    private let work = TapisDemoData.workSystem
    private let archive = TapisDemoData.archiveSystem

    override func setUpWithError() throws {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("tapis-http-\(UUID().uuidString)")
        var configuration = TapisEmulator.Configuration()
        configuration.transferStepDelay = 0.05
        emulator = try TapisEmulator(stateDirectory: stateDirectory, configuration: configuration)
        try TapisDemoData.seed(into: emulator)
        try emulator.start()
        token = try grant()
    }

    override func tearDownWithError() throws {
        emulator?.stop()
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    func testTokensAreJWTsWhoseExpiryTheServerEnforces() throws {
        let claims = try jwtClaims(token)
        XCTAssertEqual(claims["tapis/username"] as? String, "demo")
        XCTAssertEqual(claims["tapis/tenant_id"] as? String, emulator.configuration.tenantId)
        XCTAssertNotNil(claims["exp"] as? Int)
        XCTAssertEqual(try send("GET", "/v3/systems").1, 200)

        emulator.expireAllTokens()
        let (body, status, _) = try send("GET", "/v3/systems")
        XCTAssertEqual(status, 401)
        let envelope = try object(body)
        XCTAssertEqual(envelope["status"] as? String, "error")
        XCTAssertTrue((envelope["message"] as? String ?? "").contains("EXPIRED"))
        token = ""
        XCTAssertEqual(try send("GET", "/v3/systems").1, 401, "no X-Tapis-Token header")

        // A short lifetime runs out on its own; the bound only stops a hang.
        emulator.tokenLifetime = 1
        token = try grant()
        let deadline = Date().addingTimeInterval(30)
        var seen = try send("GET", "/v3/systems").1
        while seen == 200, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            seen = try send("GET", "/v3/systems").1
        }
        XCTAssertEqual(seen, 401, "a token past its lifetime is refused")
        XCTAssertEqual(try send("POST", "/v3/oauth2/tokens", json: ["grant_type": "password", "username": "demo",
                                                                    "password": "nope"]).1, 401)
    }

    func testContentHonoursBothRangeFormsAndRefusesFolders() throws {
        let path = "/v3/files/content/\(work)/data/stations.csv"
        let whole = try Data(contentsOf: emulator.localURL(system: work, path: "data/stations.csv"))
        XCTAssertEqual(try send("GET", path).0, whole)

        let (head, status, headers) = try send("GET", path, headers: ["Range": "bytes=0-9"])
        XCTAssertEqual(status, 206)
        XCTAssertEqual(head, whole.prefix(10))
        XCTAssertEqual(header(headers, "Content-Range"), "bytes 0-9/\(whole.count)")
        XCTAssertEqual(try send("GET", path, headers: ["Range": "bytes=-5"]).0, whole.suffix(5))
        XCTAssertEqual(try send("GET", path, headers: ["Range": "bytes=\(whole.count - 3)-\(whole.count + 100)"]).0,
                       whole.suffix(3), "an end past EOF is clamped")
        let (_, unsatisfiable, refusal) = try send("GET", path, headers: ["Range": "bytes=\(whole.count)-"])
        XCTAssertEqual(unsatisfiable, 416)
        XCTAssertEqual(header(refusal, "Content-Range"), "bytes */\(whole.count)")

        let (native, nativeStatus, _) = try send("GET", path, headers: ["Range": "100,149"])
        XCTAssertEqual(nativeStatus, 200, "Tapis answers its own range form with 200")
        XCTAssertEqual(native, whole.subdata(in: 100..<150))
        XCTAssertEqual(try send("GET", "/v3/files/content/\(work)/data").1, 400, "a folder is no file")
        XCTAssertEqual(try send("GET", "/v3/files/content/\(work)/nope.txt").1, 404)
    }

    func testListingsAndSystemsPageWithTheirOwnParameters() throws {
        for index in 0..<25 {
            try Data("\(index)".utf8).write(to: try file(work, String(format: "paged/f%02d", index)))
        }
        let pages = try [0, 10, 20, 30].map { offset in
            try results(send("GET", "/v3/files/ops/\(work)/paged?limit=10&offset=\(offset)").0).compactMap { $0["name"] as? String }
        }
        XCTAssertEqual(pages.map(\.count), [10, 10, 5, 0])
        XCTAssertEqual(pages.joined().map { $0 }, (0..<25).map { String(format: "f%02d", $0) })
        XCTAssertEqual(try results(send("GET", "/v3/files/ops/\(work)/paged").0).count, 25, "default limit is 1000")

        let systems = try results(send("GET", "/v3/systems?limit=2&skip=1").0)
        XCTAssertEqual(systems.compactMap { $0["id"] as? String }, Array(emulator.systems.map(\.id).sorted().dropFirst().prefix(2)))
        XCTAssertNil(systems.first?["rootDir"], "summary attributes by default")
        let full = try object(send("GET", "/v3/systems/\(work)").0)["result"] as? [String: Any]
        XCTAssertEqual(full?["rootDir"] as? String, "/\(work)")
        XCTAssertEqual(try send("GET", "/v3/files/ops/\(work)/a/%2E%2E/%2E%2E/etc").1, 400, "'..' is refused")
    }

    func testTransferTaskIsHeldInProgressThenCompletesOrFails() throws {
        emulator.holdTransfers()
        let task = try createTransfer(from: "tapis://\(archive)/LICENSE.txt", to: "tapis://\(work)/imports/LICENSE.txt")
        XCTAssertEqual(task["status"] as? String, "ACCEPTED")
        let uuid = try XCTUnwrap(task["uuid"] as? String)
        XCTAssertEqual(try waitForTransfer(uuid, until: ["IN_PROGRESS"]), "IN_PROGRESS")
        XCTAssertFalse(FileManager.default.fileExists(atPath: emulator.localURL(system: work, path: "imports/LICENSE.txt").path),
                       "nothing is copied while the task is held")
        emulator.releaseTransfers()
        XCTAssertEqual(try waitForTransfer(uuid, until: ["COMPLETED", "FAILED"]), "COMPLETED")
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: work, path: "imports/LICENSE.txt")),
                       try Data(contentsOf: emulator.localURL(system: archive, path: "LICENSE.txt")))

        let missing = try createTransfer(from: "tapis://\(archive)/gone.txt", to: "tapis://\(work)/gone.txt")
        XCTAssertEqual(try waitForTransfer(try XCTUnwrap(missing["uuid"] as? String), until: ["COMPLETED", "FAILED"]), "FAILED")
        emulator.failNextTransfers()
        let injected = try createTransfer(from: "tapis://\(archive)/LICENSE.txt", to: "tapis://\(work)/again.txt")
        let injectedId = try XCTUnwrap(injected["uuid"] as? String)
        XCTAssertEqual(try waitForTransfer(injectedId, until: ["COMPLETED", "FAILED"]), "FAILED")
        let failed = try object(send("GET", "/v3/files/transfers/\(injectedId)").0)["result"] as? [String: Any]
        XCTAssertNotNil(failed?["errorMessage"] as? String)
        XCTAssertEqual(try send("POST", "/v3/files/transfers",
                                json: ["elements": [["sourceURI": "tapis://\(work)/README.md",
                                                     "destinationURI": "tapis://\(archive)/README.md"]]]).1,
                       403, "the read-only system takes no transfer")
    }

    func testFaultsSpeakTapisAndFireTheirCount() throws {
        let listing = "/v3/files/ops/\(work)/data"
        emulator.faults.add(method: "GET", pathPrefix: listing, action: .status(503), count: 2)
        for _ in 0..<2 {
            let (body, status, _) = try send("GET", listing)
            XCTAssertEqual(status, 503)
            XCTAssertEqual(try object(body)["status"] as? String, "error")
        }
        XCTAssertEqual(try send("GET", listing).1, 200)
        emulator.faults.add(method: "GET", pathPrefix: listing, action: .malformedJSON)
        XCTAssertNil(try? JSONSerialization.jsonObject(with: send("GET", listing).0))
        emulator.faults.add(method: "GET", pathPrefix: listing, action: .expiredToken)
        XCTAssertEqual(try send("GET", listing).1, 401)
        XCTAssertEqual(try send("GET", listing).1, 401, "the token stays expired")
        token = try grant()
        XCTAssertEqual(try send("GET", listing).1, 200)
        XCTAssertEqual(emulator.requestLog.entries(method: "GET", pathPrefix: listing).map(\.status),
                       [503, 503, 200, 200, 401, 401, 200])
    }

    func testAnUploadBrokenMidBodyLeavesTheOldFile() throws {
        let target = "/v3/files/ops/\(work)/README.md"
        let before = try Data(contentsOf: emulator.localURL(system: work, path: "README.md"))
        let replacement = Data(repeating: 0x41, count: 200_000)
        emulator.faults.add(method: "POST", pathPrefix: target, action: .refuseRequestBody(afterBytes: 50_000))
        let broken = try? send("POST", target, multipart: replacement)
        XCTAssertNotEqual(broken?.1, 200)
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: work, path: "README.md")), before)
        XCTAssertEqual(try send("POST", target, multipart: replacement).1, 200)
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: work, path: "README.md")), replacement)
        XCTAssertEqual(try send("POST", "/v3/files/ops/\(archive)/new.txt", multipart: replacement).1, 403)
        let incoming = try FileManager.default.contentsOfDirectory(atPath: stateDirectory.appendingPathComponent(".incoming").path)
        XCTAssertEqual(incoming, [], "no side file is left behind")
    }

    func testRunningJobOutputsGrowAndNeedAllowIfRunning() throws {
        let uuid = try emulator.addJob(name: "grows", appId: "app", execSystemId: TapisDemoData.scratchSystem,
                                       status: "RUNNING", outputs: ["out.txt": Data("a\n".utf8)],
                                       timeline: .init(running: 3600, archiving: 1, logInterval: 0.1))
        let list = "/v3/jobs/\(uuid)/output/list/"
        XCTAssertEqual(try send("GET", list).1, 400, "outputs of a running job need allowIfRunning")
        let deadline = Date().addingTimeInterval(30)
        var names: [String] = []
        while !names.contains("progress.log"), Date() < deadline {
            names = try results(send("GET", list + "?allowIfRunning=true").0).compactMap { $0["name"] as? String }
            if !names.contains("progress.log") { Thread.sleep(forTimeInterval: 0.1) }
        }
        XCTAssertEqual(names, ["out.txt", "progress.log"])
        try emulator.appendOutput(jobUUID: uuid, path: "out.txt", data: Data("b\n".utf8))
        XCTAssertEqual(try send("GET", "/v3/jobs/\(uuid)/output/download/out.txt?allowIfRunning=true").0, Data("a\nb\n".utf8))

        try emulator.advanceJob(uuid: uuid, to: "FINISHED")
        XCTAssertEqual(try send("GET", list).1, 200)
        let history = try results(send("GET", "/v3/jobs/\(uuid)/history").0).compactMap { $0["eventDetail"] as? String }
        XCTAssertEqual(Array(history.suffix(3)), ["RUNNING", "ARCHIVING", "FINISHED"])
        XCTAssertEqual(try send("GET", "/v3/jobs/\(uuid)/output/download/nope").1, 404)
        XCTAssertEqual(try send("GET", "/v3/jobs/00000000-0000-0000-0000-000000000000-007").1, 404)
    }

    func testStorageDoorReadsAndWritesWithoutAToken() throws {
        let door = try XCTUnwrap(URL(string: emulator.storageDoorURL(system: work, scheme: "http")))
        token = ""
        var put = URLRequest(url: door.appendingPathComponent("from-fts/copy.bin"))
        put.httpMethod = "PUT"
        put.httpBody = Data("copied by a transfer service".utf8)
        XCTAssertEqual(try LoopbackHTTP.send(put).1, 201)
        XCTAssertEqual(try Data(contentsOf: emulator.localURL(system: work, path: "from-fts/copy.bin")),
                       Data("copied by a transfer service".utf8))
        var get = URLRequest(url: door.appendingPathComponent("from-fts/copy.bin"))
        get.setValue("bytes=0-5", forHTTPHeaderField: "Range")
        let (part, status, _) = try LoopbackHTTP.send(get)
        XCTAssertEqual(status, 206)
        XCTAssertEqual(part, Data("copied".utf8))
    }

    // MARK: - helpers

    private func grant() throws -> String {
        let (body, status, headers) = try send("POST", "/v3/oauth2/tokens",
                                               json: ["grant_type": "password", "username": "demo", "password": "demo-password"])
        XCTAssertEqual(status, 201)
        XCTAssertEqual(header(headers, "Content-Type"), "application/json")
        let result = try XCTUnwrap(object(body)["result"] as? [String: Any])
        let access = try XCTUnwrap(result["access_token"] as? [String: Any])
        XCTAssertNotNil(access["expires_in"] as? Int)
        XCTAssertNotNil(access["expires_at"] as? String)
        return try XCTUnwrap(access["access_token"] as? String)
    }

    private func createTransfer(from source: String, to destination: String) throws -> [String: Any] {
        let (body, status, _) = try send("POST", "/v3/files/transfers",
                                         json: ["tag": "test", "elements": [["sourceURI": source, "destinationURI": destination]]])
        XCTAssertEqual(status, 200)
        return try XCTUnwrap(object(body)["result"] as? [String: Any])
    }

    /// Polls a transfer task until its status is one of `states` (at most 30 s, against a hang).
    private func waitForTransfer(_ uuid: String, until states: Set<String>) throws -> String? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let status = (try object(send("GET", "/v3/files/transfers/\(uuid)").0)["result"] as? [String: Any])?["status"] as? String
            if let status, states.contains(status) { return status }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    private func file(_ system: String, _ path: String) throws -> URL {
        let url = emulator.localURL(system: system, path: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url
    }

    private func jwtClaims(_ jwt: String) throws -> [String: Any] {
        let parts = jwt.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        var text = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return try object(try XCTUnwrap(Data(base64Encoded: text)))
    }

    private func object(_ data: Data) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self))
    }

    private func results(_ data: Data) throws -> [[String: Any]] {
        try XCTUnwrap(object(data)["result"] as? [[String: Any]])
    }

    private func header(_ headers: [AnyHashable: Any], _ name: String) -> String? {
        headers.first { ($0.key as? String)?.lowercased() == name.lowercased() }?.value as? String
    }

    private func send(_ method: String, _ path: String, headers: [String: String] = [:], json: Any? = nil,
                      multipart: Data? = nil) throws -> (Data, Int, [AnyHashable: Any]) {
        var request = URLRequest(url: try XCTUnwrap(URL(string: emulator.baseURL.absoluteString + path)))
        request.httpMethod = method
        if !token.isEmpty { request.setValue(token, forHTTPHeaderField: "X-Tapis-Token") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        if let multipart {
            let boundary = "tapis-test-boundary"
            request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n".utf8)
                + multipart + Data("\r\n--\(boundary)--\r\n".utf8)
        }
        return try LoopbackHTTP.send(request)
    }
}
