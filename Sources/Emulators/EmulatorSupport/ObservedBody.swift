import Hummingbird

/// Wraps a response body to count the bytes actually written and to apply a fault's `BodyShaping`. Failing a
/// write makes Hummingbird close the connection: that is how a dropped connection (full `Content-Length`, short
/// body) and a too-large `Content-Length` (whole body, then the connection ends) reach the client.
package enum ObservedBody {
    package struct ConnectionDropped: Error {}

    package static func wrap(_ body: ResponseBody, dropAfter: Int?, report: @escaping @Sendable (Int) -> Void) -> ResponseBody {
        wrap(body, shaping: BodyShaping(dropAfter: dropAfter), report: report)
    }

    package static func wrap(_ body: ResponseBody, shaping: BodyShaping, report: @escaping @Sendable (Int) -> Void) -> ResponseBody {
        var declared = body.contentLength
        if let truncate = shaping.truncateTo { declared = min(declared ?? truncate, truncate) }
        if let extra = shaping.extraDeclaredBytes, let length = body.contentLength { declared = length + extra }
        return ResponseBody(contentLength: declared) { writer in
            let counting = CountingWriter(inner: writer, dropAfter: shaping.dropAfter ?? shaping.stallAfter,
                                          truncateTo: shaping.truncateTo, dropAtEnd: shaping.extraDeclaredBytes != nil,
                                          hold: shaping.stallAfter == nil ? nil : shaping.hold, report: report)
            try await body.write(counting)
        }
    }

    struct CountingWriter: ResponseBodyWriter {
        var inner: any ResponseBodyWriter
        let dropAfter: Int?
        let truncateTo: Int?
        let dropAtEnd: Bool
        /// Awaited before the connection is dropped at `dropAfter` (a stalled server rather than a dropped one).
        let hold: (@Sendable () async -> Void)?
        let report: @Sendable (Int) -> Void
        var sent = 0

        mutating func write(_ buffer: ByteBuffer) async throws {
            if let truncateTo {
                // Quietly stop sending: the declared length already says the body ends here.
                let allowed = max(0, truncateTo - sent)
                guard allowed > 0 else { return }
                let length = min(allowed, buffer.readableBytes)
                if let slice = buffer.getSlice(at: buffer.readerIndex, length: length) { try await inner.write(slice) }
                sent += length
                return
            }
            if let limit = dropAfter, sent + buffer.readableBytes >= limit, buffer.readableBytes > 0 {
                let allowed = limit - sent
                if allowed > 0, let slice = buffer.getSlice(at: buffer.readerIndex, length: allowed) {
                    try await inner.write(slice)
                }
                sent = limit
                report(sent)
                await hold?()
                throw ConnectionDropped()
            }
            try await inner.write(buffer)
            sent += buffer.readableBytes
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            if let limit = dropAfter, sent >= limit {
                // A body no longer than the limit still ends with a dropped connection, as the fault promises.
                report(sent)
                await hold?()
                throw ConnectionDropped()
            }
            report(sent)
            if dropAtEnd { throw ConnectionDropped() }
            try await inner.finish(trailingHeaders)
        }
    }
}
