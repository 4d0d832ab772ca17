import Foundation
import SciencefsHTTP

/// A failed AMIE call, typed. amieclient raises `AMIERequestError(message)` for any status other than 200 and
/// reads the server's `message` from the JSON body; `.server` carries both.
public enum AMIEClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered with a status other than 200; `message` is its `message` field when it sent one.
    case server(status: Int, message: String?)
    /// The reply was not the JSON the client expects.
    case malformed(String)
    /// The packet failed validation before sending (nothing was sent).
    case invalidPacket(AMIEValidationError)
    /// The request never got an answer (connect, TLS, timeout...).
    case transport(HTTPError)

    public var description: String {
        switch self {
        case .server(let status, let message?): return "AMIE server HTTP \(status): \(message)"
        case .server(let status, nil): return "AMIE server HTTP \(status)"
        case .malformed(let why): return "malformed AMIE reply: \(why)"
        case .invalidPacket(let why): return "invalid packet: \(why)"
        case .transport(let error): return "\(error)"
        }
    }

    /// The `message` of an AMIE JSON body, if it is one.
    static func message(in body: Data) -> String? {
        (try? AMIEJSON.parse(body))?["message"]?.stringValue
    }
}
