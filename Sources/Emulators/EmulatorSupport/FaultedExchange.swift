import Foundation
import Hummingbird

/// The part of fault injection every emulator shares: given the action a `FaultInjector` chose, produce the
/// response and say how its body must be mangled on the wire. Each emulator supplies only its own dialect — the
/// error body of `.status`, what `.malformedJSON` looks like, and how it rejects an expired credential.
package struct FaultedExchange {
    package let response: Response
    package let shaping: BodyShaping

    /// Renders the service-specific actions; return nil to answer normally (a fault the service does not have,
    /// e.g. `.expiredToken` for a service without tokens).
    package struct Dialect {
        package var status: (Int) -> Response
        package var malformedJSON: () -> Response
        package var expiredToken: () async -> Response?

        package init(status: @escaping (Int) -> Response, malformedJSON: @escaping () -> Response,
                     expiredToken: @escaping () async -> Response? = { nil }) {
            self.status = status
            self.malformedJSON = malformedJSON
            self.expiredToken = expiredToken
        }
    }

    package static func perform(_ action: FaultInjector.Action?, faults: FaultInjector, dialect: Dialect,
                                 route: () async -> Response) async throws -> FaultedExchange {
        switch action {
        case nil, .refuseRequestBody?, .stallRequestBody?:
            // The request-body faults act on the request itself, before the route reads it (`InterruptedRequestBody`).
            return FaultedExchange(response: await route(), shaping: BodyShaping())
        case .status(let code):
            return FaultedExchange(response: dialect.status(code), shaping: BodyShaping())
        case .malformedJSON:
            return FaultedExchange(response: dialect.malformedJSON(), shaping: BodyShaping())
        case .expiredToken:
            if let rejected = await dialect.expiredToken() {
                return FaultedExchange(response: rejected, shaping: BodyShaping())
            }
            return FaultedExchange(response: await route(), shaping: BodyShaping())
        case .replaceBody(let status, let contentType, let body):
            var headers = HTTPFields()
            headers[.contentType] = contentType
            let buffer = ByteBuffer(bytes: body)
            return FaultedExchange(response: Response(status: .init(code: status), headers: headers,
                                                      body: ResponseBody(byteBuffer: buffer)),
                                   shaping: BodyShaping())
        case .delay(let milliseconds):
            try await Task.sleep(nanoseconds: UInt64(max(0, milliseconds)) * 1_000_000)
            return FaultedExchange(response: await route(), shaping: BodyShaping())
        case .hang:
            await faults.waitWhileHanging()
            return FaultedExchange(response: await route(), shaping: BodyShaping())
        case .dropAfterBytes(let count):
            return FaultedExchange(response: await route(), shaping: BodyShaping(dropAfter: max(0, count)))
        case .stallAfterBytes(let count):
            return FaultedExchange(response: await route(),
                                   shaping: BodyShaping(stallAfter: max(0, count), hold: { await faults.waitWhileHanging() }))
        case .truncatedBody(let keep):
            return FaultedExchange(response: await route(), shaping: BodyShaping(truncateTo: max(0, keep)))
        case .wrongContentLength(let extra):
            return FaultedExchange(response: await route(), shaping: BodyShaping(extraDeclaredBytes: max(1, extra)))
        }
    }
}

/// How a fault mangles an answer's body on the wire (all nil: sent as it is).
package struct BodyShaping: Sendable {
    /// Send the headers (full `Content-Length`) and this many body bytes, then drop the connection.
    package var dropAfter: Int?
    /// Send only this many body bytes, declared as the whole body.
    package var truncateTo: Int?
    /// Declare this many bytes more than the body has, send the body, then drop the connection.
    package var extraDeclaredBytes: Int?
    /// Send the headers and this many body bytes, then wait on `hold` before dropping the connection.
    package var stallAfter: Int?
    package var hold: (@Sendable () async -> Void)?

    package init(dropAfter: Int? = nil, truncateTo: Int? = nil, extraDeclaredBytes: Int? = nil,
                 stallAfter: Int? = nil, hold: (@Sendable () async -> Void)? = nil) {
        self.dropAfter = dropAfter
        self.truncateTo = truncateTo
        self.extraDeclaredBytes = extraDeclaredBytes
        self.stallAfter = stallAfter
        self.hold = hold
    }

    /// The body bytes the client will actually receive, given the body's own length.
    package func bytesSent(of planned: Int) -> Int {
        min(planned, dropAfter ?? planned, truncateTo ?? planned, stallAfter ?? planned)
    }
}
