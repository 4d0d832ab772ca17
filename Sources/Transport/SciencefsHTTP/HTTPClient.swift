import CCurl
import Foundation
import Logging

/// A blocking, thread-safe HTTP client over libcurl.
///
/// Every call runs on the caller's thread with an easy handle of its own taken from a pool, so any number
/// of threads may call at once and a slow transfer never holds up another. Idle handles keep their
/// connections open (keep-alive); DNS results and TLS sessions are shared between handles.
///
/// Retries (per `RetryPolicy`): connection failures, timeouts, dropped connections and retryable 5xx replies.
/// A non-idempotent request (POST) is retried only while its body has not been sent, unless the request
/// sets `retryAfterBodySent` or the server answered 503/429 (it says it did nothing). A streamed download
/// resumes after the last byte already given to the sink. A request with a streamed body (`StreamedBody`) is
/// never retried: its bytes are gone once sent.
///
/// Errors are `HTTPError`; non-2xx replies throw `.status` (after retries where those apply).
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let logger: Logger
    private let pool: EasyHandlePool

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(), logger: Logger) {
        CurlGlobal.ensureInitialised()
        self.configuration = configuration
        self.logger = logger
        self.pool = EasyHandlePool(maxIdle: configuration.maxIdleHandles,
                                   share: CurlShare(shareConnections: configuration.shareConnectionCache))
    }

    /// Sends a request and buffers the whole reply (up to `maxBufferedBodySize`). For JSON/form calls and
    /// uploads (`.file` / `.multipart` bodies are streamed from disk); use `download` for file contents.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var retries = 0
        while true {
            let state = TransferState(destination: .buffer(limit: configuration.maxBufferedBodySize))
            let outcome = try execute(request, range: nil, state: state)
            if let bodyError = outcome.bodyError { throw bodyError }
            let replayable = request.body.isReplayable
            if outcome.code != CURLE_OK {
                if state.overflowed {
                    throw HTTPError.transport(code: Int(outcome.code.rawValue), message:
                        "\(request.method) \(request.redactedURL): reply larger than \(configuration.maxBufferedBodySize) bytes")
                }
                let error = transportError(outcome.code, state: state, request: request)
                let resendable = request.method.isIdempotent || request.retryAfterBodySent || outcome.bytesUploaded == 0
                if replayable, resendable, isRetryable(outcome.code), retries < configuration.retry.maxRetries {
                    retries += 1
                    backOff(request, retry: retries, reason: error.description)
                    continue
                }
                throw error
            }
            if state.isSuccessStatus {
                return HTTPResponse(status: state.status, headers: state.headers, body: state.body)
            }
            if replayable,
               RetryPolicy.isRetryable(status: state.status) || RetryPolicy.isRefusedUnprocessed(status: state.status),
               request.method.isIdempotent || request.retryAfterBodySent
                || RetryPolicy.isRefusedUnprocessed(status: state.status),
               retries < configuration.retry.maxRetries {
                retries += 1
                backOff(request, retry: retries, reason: "HTTP \(state.status)")
                continue
            }
            throw HTTPError.status(code: state.status, body: state.errorBody)
        }
    }

    /// Streams a GET (or other idempotent request) body to `sink` in order, chunk by chunk, without
    /// buffering it. With `range`, asks for those bytes (`Range: bytes=a-b`); at most `range.count` bytes
    /// reach the sink even if the server ignores the range. A retry after a dropped connection asks for
    /// the byte after the last one delivered. An error thrown by the sink aborts and is rethrown as is.
    public func download(_ request: HTTPRequest, range: ByteRange? = nil,
                         sink: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPStreamResponse {
        try withoutActuallyEscaping(sink) { sink in
            try streamWithRetries(request, range: range, sink: sink)
        }
    }

    private func streamWithRetries(_ request: HTTPRequest, range: ByteRange?,
                                   sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPStreamResponse {
        let total = range?.count
        var delivered: UInt64 = 0
        var retries = 0
        while true {
            // Resume from the first byte not yet delivered; the first attempt of an unranged GET sends no Range.
            let attemptRange: ByteRange? = (range == nil && delivered == 0)
                ? nil : ByteRange(start: (range?.start ?? 0) + delivered, end: range?.end)
            // A `200` to HTTP's Range is the whole object, to be skipped into; to Tapis's it is the range itself.
            let skipOn200 = request.rangeForm == .http ? (attemptRange?.start ?? 0) : 0
            let state = TransferState(destination: .stream(sink), requestedStart: skipOn200,
                                      allowed: total.map { $0 - delivered })
            let outcome = try execute(request, range: attemptRange, state: state)
            delivered += state.delivered
            if state.delivered > 0 { retries = 0 } // progress: a long download may survive many separate drops
            if let sinkError = state.sinkError { throw sinkError }

            // Every byte asked for is in hand: whatever went wrong after them (a connection dropped short of an
            // overstated Content-Length) concerns bytes nobody asked for.
            let cutOnPurpose = (state.reachedLimit && outcome.code == CURLE_WRITE_ERROR)
                || (state.isSuccessStatus && total.map { delivered == $0 } ?? false)
            if outcome.code != CURLE_OK && !cutOnPurpose {
                let error = transportError(outcome.code, state: state, request: request)
                if isRetryable(outcome.code), request.method.isIdempotent, retries < configuration.retry.maxRetries {
                    retries += 1
                    backOff(request, retry: retries, reason: "\(error.description) after \(delivered) bytes")
                    continue
                }
                throw error
            }
            if state.isSuccessStatus, !cutOnPurpose, let promised = ContentRange(state.headers["Content-Range"])?.length,
               state.status == 206, state.delivered < promised, total.map({ delivered < $0 }) ?? true {
                // The reply's own framing looked complete but it carries fewer bytes than its Content-Range
                // announced: a truncated reply. Ask for the rest, as after a dropped connection.
                let reason = "reply shorter than its Content-Range (\(state.delivered) of \(promised) bytes)"
                guard retries < configuration.retry.maxRetries else {
                    throw HTTPError.transport(code: Int(CURLE_PARTIAL_FILE.rawValue),
                                              message: "\(request.method) \(request.redactedURL): \(reason)")
                }
                retries += 1
                backOff(request, retry: retries, reason: reason)
                continue
            }
            if state.isSuccessStatus {
                return HTTPStreamResponse(status: state.status, headers: state.headers, bytesDelivered: delivered)
            }
            if RetryPolicy.isRetryable(status: state.status), request.method.isIdempotent,
               retries < configuration.retry.maxRetries {
                retries += 1
                backOff(request, retry: retries, reason: "HTTP \(state.status)")
                continue
            }
            if delivered > 0 {
                // A refusal of the rest after part of the body reached the sink (the file shrank, a range now past
                // its end): not a status a caller may answer by asking again from the start, which would hand the
                // sink the first bytes twice. The download failed part-way.
                throw HTTPError.transport(code: Int(CURLE_PARTIAL_FILE.rawValue),
                                          message: "\(request.method) \(request.redactedURL): HTTP \(state.status) "
                                              + "for the rest after \(delivered) bytes")
            }
            throw HTTPError.status(code: state.status, body: state.errorBody)
        }
    }

    private func execute(_ request: HTTPRequest, range: ByteRange?, state: TransferState) throws -> CurlAttempt.Outcome {
        guard let handle = pool.checkOut() else {
            throw HTTPError.transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "cannot create a curl handle")
        }
        defer { pool.checkIn(handle) }
        return try CurlAttempt(handle: handle, configuration: configuration).run(request, range: range, state: state)
    }

    private func transportError(_ code: CURLcode, state: TransferState, request: HTTPRequest) -> HTTPError {
        var detail = state.errorMessage.isEmpty ? String(cString: curl_easy_strerror(code)) : state.errorMessage
        if code == CURLE_PEER_FAILED_VERIFICATION {
            detail += " — the server's certificate is not trusted; name the CA that signed it in the config (ca_bundle or ca_dir)"
        }
        return .transport(code: Int(code.rawValue), message: "\(request.method) \(request.redactedURL): \(detail)")
    }

    private func backOff(_ request: HTTPRequest, retry: Int, reason: String) {
        let delay = configuration.retry.delay(beforeRetry: retry)
        logger.warning("retrying HTTP request", metadata: [
            "method": "\(request.method)", "url": "\(request.redactedURL)",
            "attempt": "\(retry + 1)", "reason": "\(reason)",
            "delay_s": "\(String(format: "%.2f", delay))",
        ])
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
    }

    /// `isRetryable`, less timeouts when the policy says a silent server is not worth a second wait.
    private func isRetryable(_ code: CURLcode) -> Bool {
        if code == CURLE_OPERATION_TIMEDOUT && !configuration.retry.retriesTimeouts { return false }
        return Self.isRetryable(code)
    }

    /// Failures a new attempt may cure: could not connect, timed out, connection dropped or reset.
    /// TLS verification failures, bad URLs and our own aborts are permanent.
    static func isRetryable(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT,
             CURLE_SSL_CONNECT_ERROR, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
             CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return true
        default:
            return false
        }
    }
}
