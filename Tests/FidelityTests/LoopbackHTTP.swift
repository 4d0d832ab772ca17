import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// One blocking HTTP exchange with an emulator on 127.0.0.1, for the emulator tests: plain URLSession, waiting at
/// most 30 s. Returns the body, the status and the response headers; throws when the transfer itself failed.
enum LoopbackHTTP {
    static func send(_ request: URLRequest) throws -> (Data, Int, [AnyHashable: Any]) {
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                outcome.result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                outcome.result = .success((data ?? Data(), http.statusCode, http.allHeaderFields))
            }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 30)
        return try outcome.result.get()
    }
}

/// The completion handler's result, handed to the waiting test thread (the semaphore orders the accesses).
private final class Outcome: @unchecked Sendable {
    var result: Result<(Data, Int, [AnyHashable: Any]), Error> = .failure(URLError(.timedOut))
}
