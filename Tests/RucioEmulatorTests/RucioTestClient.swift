import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RucioEmulator
import XCTest

/// A tiny HTTP client for the tests: real requests over loopback with URLSession, no redirects or caching.
struct HTTPExchange {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The lines of an `application/x-json-stream` body, each parsed.
    func streamLines() throws -> [Any] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
    }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
}

func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPExchange {
    var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 30)
    request.httpMethod = method
    for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
    request.httpBody = body
    let (data, response) = try await URLSession.shared.data(for: request)
    guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
    var fields: [String: String] = [:]
    for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
    return HTTPExchange(status: http.statusCode, headers: fields, body: data)
}

/// A started emulator in a temporary state directory, with helpers to call its API as `root` or `alice`.
final class EmulatorFixture {
    let directory: URL
    let emulator: RucioEmulator

    init(configuration: RucioEmulator.Configuration = .init()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rucio-emulator-tests-\(UUID().uuidString)")
        emulator = try RucioEmulator(stateDirectory: directory, configuration: configuration)
        try emulator.start()
    }

    deinit {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ pathAndQuery: String) -> URL {
        URL(string: emulator.baseURL.absoluteString + pathAndQuery) ?? emulator.baseURL
    }

    func token(account: String = "root", username: String = "ddmlab", password: String = "secret") async throws -> String {
        let reply = try await send("GET", url("/auth/userpass"), headers: [
            "X-Rucio-Account": account, "X-Rucio-Username": username, "X-Rucio-Password": password,
        ])
        guard reply.status == 200, let token = reply.header("X-Rucio-Auth-Token") else {
            throw URLError(.userAuthenticationRequired)
        }
        return token
    }

    func api(_ method: String, _ pathAndQuery: String, token: String, json: Any? = nil) async throws -> HTTPExchange {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await send(method, url(pathAndQuery), headers: ["X-Rucio-Auth-Token": token], body: body)
    }
}
