import CCrypto

/// In-memory BIOs: how PEM text goes into and out of libcrypto.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over the UTF-8 bytes of `text`. The BIO is valid only inside `body`.
    static func reading<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= Int(Int32.max) else { throw X509Error(message: "empty or oversized PEM text") }
        return try bytes.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
                throw X509Error.openSSL("allocating a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `write` against an empty memory BIO and returns what it wrote as text. `write` returns OpenSSL's
    /// 1-on-success status; `what` names the object for the error message.
    static func writing(_ what: String, _ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw X509Error.openSSL("allocating a memory BIO") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw X509Error.openSSL("writing \(what) as PEM") }
        var start: UnsafeMutablePointer<CChar>?
        let length = sciencefs_bio_get_mem_data(bio, &start)
        guard let start, length > 0 else { throw X509Error.openSSL("writing \(what) as PEM produced nothing") }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: length), as: UTF8.self)
    }
}
