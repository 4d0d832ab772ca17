import Hummingbird

/// Wraps a response body to count the bytes actually written and, for the drop-connection fault, to stop after
/// a given number of bytes and fail the write, which makes Hummingbird close the connection: the client sees the
/// headers (with the full `Content-Length`) and a short body.
package enum ObservedBody {
    package struct ConnectionDropped: Error {}

    package static func wrap(_ body: ResponseBody, dropAfter: Int?, report: @escaping @Sendable (Int) -> Void) -> ResponseBody {
        ResponseBody(contentLength: body.contentLength) { writer in
            let counting = CountingWriter(inner: writer, limit: dropAfter, report: report)
            try await body.write(counting)
        }
    }

    struct CountingWriter: ResponseBodyWriter {
        var inner: any ResponseBodyWriter
        let limit: Int?
        let report: @Sendable (Int) -> Void
        var sent = 0

        mutating func write(_ buffer: ByteBuffer) async throws {
            if let limit, sent + buffer.readableBytes >= limit, buffer.readableBytes > 0 {
                let allowed = limit - sent
                if allowed > 0, let slice = buffer.getSlice(at: buffer.readerIndex, length: allowed) {
                    try await inner.write(slice)
                }
                sent = limit
                report(sent)
                throw ConnectionDropped()
            }
            try await inner.write(buffer)
            sent += buffer.readableBytes
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            if let limit, sent >= limit {
                // A body no longer than the limit still ends with a dropped connection, as the fault promises.
                report(sent)
                throw ConnectionDropped()
            }
            report(sent)
            try await inner.finish(trailingHeaders)
        }
    }
}
