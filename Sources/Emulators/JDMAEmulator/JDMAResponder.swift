import EmulatorSupport
import Foundation
import Hummingbird

/// The HTTP listener: fault injection and the request log around routing on `jdma_control/api/v1/…` (the
/// `jdma_control` prefix is optional so a base URL with or without it works).
struct JDMAResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: JDMAServerState

    func respond(to request: Request, context: Context) async throws -> Response {
        let method = request.method.rawValue
        let path = FormEncoding.percentDecode(request.uri.path, plusIsSpace: false) ?? request.uri.path
        let dialect = FaultedExchange.Dialect(
            status: { JDMAReplies.error(JDMAError($0, "Injected fault: HTTP \($0)")) },
            malformedJSON: {
                var response = JDMAReplies.serverError("{\"migrations\": [")
                response.status = .ok
                return response
            })
        // JDMA knows its users by name only: there is no token to expire.
        let exchange = try await FaultedExchange.perform(state.faults.take(method: method, path: path), faults: state.faults,
                                                         dialect: dialect) { await route(request, path: path) }
        var response = exchange.response
        _ = state.requestLog.record(method: method, path: path, query: request.uri.query, range: nil,
                                    status: response.status.code,
                                    bytesSent: exchange.shaping.bytesSent(of: response.body.contentLength ?? 0))
        state.logger.debug("\(method) \(path)", metadata: ["status": "\(response.status.code)"])
        response.body = ObservedBody.wrap(response.body, shaping: exchange.shaping) { _ in }
        return response
    }

    private func route(_ request: Request, path: String) async -> Response {
        var segments = path.split(separator: "/").map(String.init)
        if segments.first == "jdma_control" { segments.removeFirst() }
        guard segments.count == 3, segments[0] == "api", segments[1] == "v1" else {
            return JDMAReplies.error(JDMAError("Page not found: \(path)"))
        }
        let resource = segments[2]
        let slashed = path.hasSuffix("/")
        if ["migration", "archive", "file", "list_backends"].contains(resource), !slashed {
            return JDMAReplies.appendSlash(path: request.uri.path, query: request.uri.query)
        }
        let body: [String: Any]
        do {
            let bytes = try await request.body.collect(upTo: 16 << 20)
            body = bytes.readableBytes == 0 ? [:]
                : (try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]) ?? [:]
        } catch {
            return JDMAReplies.serverError("Could not parse the request body: \(error)")
        }
        let endpoints = JDMAEndpoints(state: state, query: FormEncoding.decodeForm(request.uri.query ?? ""), body: body)
        do {
            let value: JSONValue = try state.locked {
                state.tick()
                switch (resource, request.method) {
                case ("user", .get): return try endpoints.getUser()
                case ("user", .post): return try endpoints.createUser()
                case ("user", .put): return try endpoints.updateUser()
                case ("list_backends", .get): return endpoints.listBackends()
                case ("migration", .get): return try endpoints.getBatches()
                case ("migration", .put): return try endpoints.modifyBatch()
                case ("file", .get): return try endpoints.listArchives(withFiles: true)
                case ("archive", .get): return try endpoints.listArchives(withFiles: false)
                case ("request", .get): return try endpoints.getRequests()
                case ("request", .post): return try endpoints.postRequest()
                default: throw JDMAError("Invalid request method: \(request.method.rawValue)")
                }
            }
            return JDMAReplies.json(value)
        } catch let error as JDMAError {
            return JDMAReplies.error(error)
        } catch {
            state.logger.warning("JDMA request failed", metadata: ["error": "\(error)"])
            return JDMAReplies.serverError("\(error)")
        }
    }
}
