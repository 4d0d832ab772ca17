import CCrypto

/// A failure in this module. For failed libcrypto calls `message` ends with OpenSSL's own error-queue text, which
/// names the library, the function and the reason (e.g. "error:05800074:x509 certificate routines::key values
/// mismatch"). Messages never contain key material.
public struct X509Error: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }

    /// `context` followed by every entry of this thread's OpenSSL error queue, which is emptied.
    static func openSSL(_ context: String) -> X509Error {
        let queue = OpenSSLErrorQueue.drain()
        return X509Error(message: queue.isEmpty ? context : "\(context): \(queue.joined(separator: "; "))")
    }
}

/// OpenSSL keeps its errors in a per-thread queue. Every public entry point clears it first, so that a failure
/// reports only its own errors, and failed checks that are not errors (a signature that does not verify) clear it
/// afterwards.
enum OpenSSLErrorQueue {
    static func clear() {
        ERR_clear_error()
    }

    static func drain() -> [String] {
        var texts: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            texts.append(String(decoding: text, as: UTF8.self))
        }
        return texts
    }

    /// Whether the newest queued error is PEM's "no start line", which is how a PEM reader reports the end of its input.
    static var lastIsEndOfPEM: Bool {
        let code = ERR_peek_last_error()
        return sciencefs_err_lib(code) == ERR_LIB_PEM && sciencefs_err_reason(code) == PEM_R_NO_START_LINE
    }
}
