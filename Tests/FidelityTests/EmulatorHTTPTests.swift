import AgaveEmulator
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Emulator behaviour the agavepy script cannot reach: names agavepy cannot encode (`#`, `?`, `%`, `+`), the
/// fault injector, token expiry codes, and `..` escapes. Plain URLSession over loopback.
final class EmulatorHTTPTests: XCTestCase {
    private var stateDirectory: URL!
    private var emulator: AgaveEmulator!
    private var token = ""
    private let system = "http.test"

    override func setUpWithError() throws {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("agave-http-\(UUID().uuidString)")
        emulator = try AgaveEmulator(stateDirectory: stateDirectory)
        try emulator.addSystem(id: system, name: "HTTP", description: "test")
        try emulator.start()
        let basic = Data("\(emulator.configuration.clientKey):\(emulator.configuration.clientSecret)".utf8).base64EncodedString()
        let (data, status, _) = try send("POST", "/token", headers: ["Authorization": "Basic \(basic)",
                                                                    "Content-Type": "application/x-www-form-urlencoded"],
                                         body: Data("grant_type=password&username=demo&password=demo-password&scope=PRODUCTION".utf8))
        XCTAssertEqual(status, 200)
        let reply = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        token = try XCTUnwrap(reply["access_token"] as? String)
    }

    override func tearDownWithError() throws {
        emulator?.stop()
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    func testAwkwardNamesRoundTripWhenPercentEncoded() throws {
        let name = "a #b ?c %41 +d é.txt"
        try Data("x".utf8).write(to: emulator.localURL(system: system, path: name))
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let (data, status, _) = try send("GET", "/files/v2/listings/system/\(system)/\(encoded)")
        XCTAssertEqual(status, 200)
        let rows = try XCTUnwrap((JSONSerialization.jsonObject(with: data) as? [String: Any])?["result"] as? [[String: Any]])
        XCTAssertEqual(rows.first?["name"] as? String, name)
        XCTAssertEqual(rows.first?["path"] as? String, "/" + name)
        XCTAssertEqual(try send("GET", "/files/v2/media/system/\(system)/\(encoded)").0, Data("x".utf8))
        XCTAssertEqual(try send("GET", "/files/v2/listings/system/\(system)/a/%2E%2E/%2E%2E/etc").1, 400, "'..' is refused")
    }

    func testFaultsFireTheRequestedNumberOfTimes() throws {
        try DeterministicData.writeFile(at: emulator.localURL(system: system, path: "big.bin"), size: 1_000_000, seed: 1)
        let media = "/files/v2/media/system/\(system)/big.bin"
        emulator.faults.add(method: "GET", pathPrefix: media, action: .status(503), count: 2)
        XCTAssertEqual(try send("GET", media).1, 503)
        XCTAssertEqual(try send("GET", media).1, 503)
        XCTAssertEqual(try send("GET", media).1, 200)

        emulator.faults.add(FaultInjector.Rule(method: nil, path: .contains("big"), action: .malformedJSON))
        let (bad, status, _) = try send("GET", "/files/v2/listings/system/\(system)/big.bin")
        XCTAssertEqual(status, 200)
        XCTAssertNil(try? JSONSerialization.jsonObject(with: bad))

        emulator.requestLog.clear()
        emulator.faults.add(method: "GET", pathPrefix: media, action: .dropAfterBytes(1000))
        XCTAssertThrowsError(try send("GET", media), "a short transfer is an error for the client")
        let entry = try XCTUnwrap(emulator.requestLog.entries(method: "GET", pathPrefix: media).last)
        XCTAssertEqual(entry.bytesSent, 1000)
        XCTAssertEqual(try send("GET", media, headers: ["Range": "bytes=999990-999999"]).1, 206)
        XCTAssertEqual(emulator.requestLog.all.last?.range, "bytes=999990-999999")
    }

    func testExpiredTokenGetsGatewayFault900903() throws {
        emulator.expireAllTokens()
        let (data, status, _) = try send("GET", "/systems/v2/")
        XCTAssertEqual(status, 401)
        let fault = try XCTUnwrap((JSONSerialization.jsonObject(with: data) as? [String: Any])?["fault"] as? [String: Any])
        XCTAssertEqual(fault["code"] as? Int, 900903)
        XCTAssertEqual(fault["message"] as? String, "Invalid Credentials")
        token = "bogus"
        XCTAssertEqual(try send("GET", "/systems/v2/").1, 401)
    }

    // MARK: - helpers

    private func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) throws -> (Data, Int, [AnyHashable: Any]) {
        var request = URLRequest(url: try XCTUnwrap(URL(string: emulator.baseURL.absoluteString + path)))
        request.httpMethod = method
        if path != "/token" { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        return try LoopbackHTTP.send(request)
    }
}
