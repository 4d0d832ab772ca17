import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JDMAEmulator
import XCTest

/// One HTTP exchange with the emulator, over real loopback HTTP.
struct JDMAExchange {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw URLError(.cannotParseResponse)
        }
        return object
    }
}

/// Does not follow redirects, so tests can see the APPEND_SLASH 301.
private final class NoRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// A started emulator in a temporary directory, with a `shared` directory standing for the shared disk, and
/// helpers that call the API the way `jdma_lib` does (JSON bodies without a Content-Type).
final class JDMAFixture {
    let directory: URL
    let shared: URL
    let emulator: JDMAEmulator
    private let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

    init(tapeDelay: TimeInterval? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("jdma-emulator-tests-\(UUID().uuidString)")
        shared = directory.appendingPathComponent("shared", isDirectory: true)
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        emulator = try JDMAEmulator(stateDirectory: directory.appendingPathComponent("state"),
                                    configuration: .init(tapeDelay: tapeDelay, tickInterval: 0.05))
        try emulator.start()
    }

    deinit {
        emulator.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `pathAndQuery` is relative to the API root, e.g. `migration/?name=demo`.
    func call(_ method: String, _ pathAndQuery: String, json: Any? = nil) async throws -> JDMAExchange {
        guard let url = URL(string: emulator.baseURL.absoluteString + pathAndQuery) else { throw URLError(.badURL) }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 30)
        request.httpMethod = method
        request.httpBody = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)".lowercased()] = "\(value)" }
        return JDMAExchange(status: http.statusCode, headers: fields, body: data)
    }

    /// Writes a file on the "shared disk" and returns its absolute path.
    @discardableResult
    func writeShared(_ relative: String, _ data: Data) throws -> String {
        let url = shared.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    /// Polls `request?request_id=` until its stage is `stage` (or fails after `timeout`).
    func waitForRequest(_ id: Int, user: String, stage: Int, timeout: TimeInterval = 10) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await call("GET", "request?name=\(user)&request_id=\(id)")
            let object = try reply.object()
            if object["stage"] as? Int == stage { return object }
            if Date() > deadline {
                XCTFail("request \(id) still at stage \(object["stage"] ?? "?"), wanted \(stage)")
                return object
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }
}
