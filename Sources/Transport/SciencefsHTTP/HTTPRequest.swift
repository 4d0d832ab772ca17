import Foundation

public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let patch = HTTPMethod(rawValue: "PATCH")

    /// Methods whose repetition has the same effect as one request (RFC 9110 §9.2.2): safe to retry
    /// even after the server may have seen the request.
    public var isIdempotent: Bool { self != .post && self != .patch }
    public var description: String { rawValue }
}

/// An inclusive byte range, as in `Range: bytes=start-end`; `end == nil` means "to the end".
public struct ByteRange: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64?
    public init(start: UInt64, end: UInt64? = nil) {
        self.start = start
        self.end = end
    }

    /// The range covering `length` bytes from `offset`; nil when `length` is 0. A length reaching past
    /// `UInt64.max` (callers such as copy_file_range pass ~2^63 to mean "everything") becomes the open form.
    public init?(offset: UInt64, length: UInt64) {
        guard length > 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(length - 1)
        self.init(start: offset, end: overflow ? nil : end)
    }

    public var count: UInt64? { end.map { $0 >= start ? $0 - start + 1 : 0 } }
    var headerValue: String { "bytes=\(start)-" + (end.map(String.init) ?? "") }
    /// Tapis's form, `min,max` with both bounds included; an open end is the largest value it parses.
    var tapisValue: String { "\(start)," + String(end ?? UInt64(Int64.max)) }
}

/// How a ranged download asks for its bytes.
public enum RangeForm: Sendable, Equatable {
    /// HTTP's `Range: bytes=a-b`; a `200` reply is the whole object (the client skips to the range).
    case http
    /// The Tapis files service's `range: min,max` header (docs/protocols/tapis.md §5.2), answered `200` with just
    /// those bytes. Same header name as HTTP's (names are case-insensitive), other syntax.
    case tapis
}

/// What a request sends. Files are streamed from disk by libcurl, never loaded whole.
public enum RequestBody: Sendable {
    case none
    /// A small in-memory body (JSON, form fields).
    case data(Data, contentType: String)
    /// The raw bytes of a local file (e.g. an S3-style or WebDAV `PUT`).
    case file(URL, contentType: String?)
    /// `multipart/form-data`; file parts are read from disk as they are sent.
    case multipart(MultipartForm)

    /// Whether a second attempt can send the same bytes again. A body with a streamed part cannot: its bytes are
    /// consumed as they are sent, so such a request is never retried.
    public var isReplayable: Bool {
        guard case .multipart(let form) = self else { return true }
        return !form.parts.contains { if case .stream = $0 { return true } else { return false } }
    }

    /// An `application/x-www-form-urlencoded` body.
    public static func form(_ fields: [(String, String)]) -> RequestBody {
        let encoded = fields.map { PercentEncoding.formComponent($0.0) + "=" + PercentEncoding.formComponent($0.1) }
        return .data(Data(encoded.joined(separator: "&").utf8), contentType: "application/x-www-form-urlencoded")
    }

    /// A JSON body encoded from a value.
    public static func json<T: Encodable>(_ value: T) throws -> RequestBody {
        .data(try JSONEncoder().encode(value), contentType: "application/json")
    }
}

public struct MultipartForm: Sendable {
    public enum Part: Sendable {
        case field(name: String, value: String)
        /// A file part: `filename` goes into the part's Content-Disposition (defaults to the file's own name).
        case file(name: String, file: URL, filename: String?, contentType: String?)
        /// A part whose bytes are produced while the request is sent (a file still being written): its length is
        /// unknown, so the body goes out with chunked transfer encoding, and the request is sent once, never retried.
        case stream(name: String, body: StreamedBody, filename: String?, contentType: String?)
    }

    public var parts: [Part]
    public init(_ parts: [Part] = []) { self.parts = parts }
}

/// Credentials for HTTP Basic authentication (e.g. an OAuth client key and secret).
public struct BasicCredentials: Sendable {
    public var user: String
    public var password: String
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}

/// One HTTP request. Credentials have their own fields (not `headers`) so the client can keep them out of
/// every message and log line.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// An absolute `http(s)://` URL, already percent-encoded.
    public var url: String
    public var headers: HTTPHeaders
    public var body: RequestBody
    /// Sent as `Authorization: Bearer …`.
    public var bearerToken: String?
    /// Sent as `Authorization: Basic …`; ignored when `bearerToken` is set.
    public var basicAuth: BasicCredentials?
    /// Non-idempotent requests (POST) are retried only before their body left this machine, unless this is set.
    public var retryAfterBodySent: Bool
    /// Overrides the client's total time limit for this request (seconds; nil = client default).
    public var timeout: TimeInterval?
    /// How a ranged download states its range.
    public var rangeForm: RangeForm = .http

    public init(method: HTTPMethod = .get, url: String, headers: HTTPHeaders = HTTPHeaders(),
                body: RequestBody = .none, bearerToken: String? = nil, basicAuth: BasicCredentials? = nil,
                retryAfterBodySent: Bool = false, timeout: TimeInterval? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bearerToken = bearerToken
        self.basicAuth = basicAuth
        self.retryAfterBodySent = retryAfterBodySent
        self.timeout = timeout
    }

    /// The URL as it may appear in logs and errors: no query string (it may carry secrets), no user info.
    public var redactedURL: String { URLRedaction.redact(url) }
}

/// The bytes of a streamed request body, pulled by the client as it sends them.
public struct StreamedBody: Sendable {
    /// Fills the buffer with the next bytes and returns their count; may block until some are ready; 0 at the end.
    /// A throw aborts the request, which then fails with that error.
    public var read: @Sendable (UnsafeMutableRawBufferPointer) throws -> Int
    /// Polled while the request waits on the network (about once a second): true aborts it, as a throw from `read`
    /// would, even while the server is not taking bytes.
    public var isAbandoned: @Sendable () -> Bool

    public init(read: @escaping @Sendable (UnsafeMutableRawBufferPointer) throws -> Int,
                isAbandoned: @escaping @Sendable () -> Bool = { false }) {
        self.read = read
        self.isAbandoned = isAbandoned
    }
}
