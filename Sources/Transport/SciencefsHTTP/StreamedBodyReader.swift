import CCurl
import Foundation

/// Feeds one `StreamedBody` to libcurl during one attempt: the read callback of a mime part of unknown size, and the
/// progress callback that aborts the transfer once the body is abandoned or the server has stalled. Keeps the
/// body's error for the caller.
///
/// The stall check is its own because libcurl's low-speed check averages over several seconds and cannot tell a
/// silent server from a writer that has nothing new yet: here the time spent waiting for the body's bytes never
/// counts, and a server that takes no byte and says nothing for `stallLimit` ends the attempt.
///
/// Owned by the attempt's thread; libcurl calls both callbacks on that thread, during `curl_easy_perform`.
final class StreamedBodyReader {
    let body: StreamedBody
    /// What `read` threw, or why the transfer was aborted; rethrown by the client instead of libcurl's code.
    private(set) var error: Error?
    private let stallLimit: UInt64?
    /// When bytes last moved either way, or the body last handed some over (monotonic nanoseconds).
    private var lastActivity = DispatchTime.now().uptimeNanoseconds
    private var lastSent: Int64 = 0
    private var lastReceived: Int64 = 0

    /// `stallLimit`: seconds without progress after which the attempt is abandoned (nil: never).
    init(_ body: StreamedBody, stallLimit: TimeInterval?) {
        self.body = body
        self.stallLimit = stallLimit.map { UInt64(max(0, $0) * 1e9) }
    }

    var userdata: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// libcurl's value for "abort the transfer" from a read callback (`CURL_READFUNC_ABORT`).
    private static let abortRead = 0x1000_0000

    fileprivate func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        defer { lastActivity = DispatchTime.now().uptimeNanoseconds }
        do {
            return try body.read(buffer)
        } catch {
            self.error = error
            return Self.abortRead
        }
    }

    fileprivate func shouldAbort(sent: Int64, received: Int64) -> Bool {
        guard error == nil else { return true }
        if body.isAbandoned() {
            error = HTTPError.invalidRequest("the streamed body was abandoned")
            return true
        }
        let now = DispatchTime.now().uptimeNanoseconds
        if sent != lastSent || received != lastReceived {
            lastSent = sent
            lastReceived = received
            lastActivity = now
        } else if let stallLimit, now - lastActivity > stallLimit {
            error = HTTPError.transport(code: Int(CURLE_OPERATION_TIMEDOUT.rawValue), message:
                "streamed upload: the server took no byte and sent none for \(stallLimit / 1_000_000_000) s")
            return true
        }
        return false
    }

    static let read: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        buffer, size, count, userdata in
        guard let buffer, let userdata else { return abortRead }
        let reader = Unmanaged<StreamedBodyReader>.fromOpaque(userdata).takeUnretainedValue()
        return reader.fill(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
    }

    static let progress: sciencefs_curl_xferinfo_callback = { userdata, _, received, _, sent in
        guard let userdata else { return 0 }
        let reader = Unmanaged<StreamedBodyReader>.fromOpaque(userdata).takeUnretainedValue()
        return reader.shouldAbort(sent: Int64(sent), received: Int64(received)) ? 1 : 0
    }
}
