import Hummingbird

/// A request body cut short by a fault (`FaultInjector.Action.refuseRequestBody` / `.stallRequestBody`): yields the
/// first `limit` bytes of the real body, then fails, at once or after `hold` returns. The endpoint reading it sees an
/// upload that broke halfway, and answers with an error; the rest of the client's bytes are never read.
package struct InterruptedRequestBody: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer

    package struct Interrupted: Error, CustomStringConvertible {
        package var description: String { "the request body was refused halfway (injected fault)" }
    }

    let base: RequestBody
    let limit: Int
    /// Awaited before the failure (a stalled server); nil fails at once.
    let hold: (@Sendable () async -> Void)?

    package init(_ base: RequestBody, limit: Int, hold: (@Sendable () async -> Void)?) {
        self.base = base
        self.limit = Swift.max(0, limit)
        self.hold = hold
    }

    /// The request with its body cut per `action`, or nil when the action is not a request-body fault.
    package static func applying(_ action: FaultInjector.Action?, to request: Request,
                                 faults: FaultInjector) -> Request? {
        var request = request
        switch action {
        case .refuseRequestBody(let bytes)?:
            request.body = RequestBody(asyncSequence: InterruptedRequestBody(request.body, limit: bytes, hold: nil))
        case .stallRequestBody(let bytes)?:
            request.body = RequestBody(asyncSequence: InterruptedRequestBody(request.body, limit: bytes,
                                                                             hold: { await faults.waitWhileHanging() }))
        default:
            return nil
        }
        return request
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let hold: (@Sendable () async -> Void)?
        var received = 0

        package mutating func next() async throws -> ByteBuffer? {
            if received >= limit {
                await hold?()
                throw Interrupted()
            }
            guard let buffer = try await base.next() else { return nil }
            let room = limit - received
            if buffer.readableBytes > room, let head = buffer.getSlice(at: buffer.readerIndex, length: room) {
                received = limit
                return head
            }
            received += buffer.readableBytes
            return buffer
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, hold: hold)
    }
}
