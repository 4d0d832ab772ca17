import Foundation

/// A complete, buffered response: for small requests only.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    public init(status: Int, headers: HTTPHeaders, body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The outcome of a streamed download: the body went to the caller's sink, not here.
public struct HTTPStreamResponse: Sendable {
    /// The status of the last attempt (206 for a range, 200 for a whole body).
    public var status: Int
    public var headers: HTTPHeaders
    /// Bytes handed to the sink across all attempts.
    public var bytesDelivered: UInt64
}
