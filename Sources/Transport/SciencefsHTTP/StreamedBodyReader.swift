import CCurl
import Foundation

/// Feeds one `StreamedBody` to libcurl during one attempt: the read callback of a mime part of unknown size, and the
/// progress callback that aborts the transfer once the body is abandoned. Keeps the body's error for the caller.
///
/// Owned by the attempt's thread; libcurl calls both callbacks on that thread, during `curl_easy_perform`.
final class StreamedBodyReader {
    let body: StreamedBody
    /// What `read` threw, or why the transfer was aborted; rethrown by the client instead of libcurl's code.
    private(set) var error: Error?

    init(_ body: StreamedBody) {
        self.body = body
    }

    var userdata: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// libcurl's value for "abort the transfer" from a read callback (`CURL_READFUNC_ABORT`).
    private static let abortRead = 0x1000_0000

    fileprivate func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        do {
            return try body.read(buffer)
        } catch {
            self.error = error
            return Self.abortRead
        }
    }

    fileprivate func shouldAbort() -> Bool {
        guard error == nil else { return true }
        if body.isAbandoned() {
            error = HTTPError.invalidRequest("the streamed body was abandoned")
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

    static let progress: sciencefs_curl_xferinfo_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        let reader = Unmanaged<StreamedBodyReader>.fromOpaque(userdata).takeUnretainedValue()
        return reader.shouldAbort() ? 1 : 0
    }
}
