import EmulatorSupport
import Foundation
import Hummingbird

/// The emulator's one HTTP responder: faults, the `XA-SITE`/`XA-API-KEY` check, routing, and the request log.
/// Every reply is JSON with a `message`; success is exactly HTTP 200, as amieclient requires
/// (docs/protocols/amie.md §5.3). Paths may carry a version prefix (`/v0.10/packets/...`), which is ignored.
struct AMIEResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let store: PacketStore
    let apiKey: String
    let requestLog: RequestLog
    let faults: FaultInjector

    private static let siteHeader = HTTPFields.Element.Name("XA-SITE")!
    private static let keyHeader = HTTPFields.Element.Name("XA-API-KEY")!

    func respond(to request: Request, context: Context) async throws -> Response {
        let rawSegments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        let segments = rawSegments.map { FormEncoding.percentDecode($0, plusIsSpace: false) ?? String($0) }
        let loggedPath = "/" + segments.joined(separator: "/")
        let method = request.method.rawValue

        let dialect = FaultedExchange.Dialect(
            status: { Self.reply(["message": .string("Injected fault: HTTP \($0)")], status: $0) },
            malformedJSON: { Self.text("{\"message\": \"ok\", \"result\": [", status: 200) })
        // AMIE authenticates with a fixed site API key: there is no token to expire.
        let exchange = try await FaultedExchange.perform(faults.take(method: method, path: loggedPath), faults: faults,
                                                         dialect: dialect) { await route(request, segments: segments) }
        var response = exchange.response
        let planned = response.body.contentLength ?? 0
        let sequence = requestLog.record(method: method, path: loggedPath, query: request.uri.query, range: nil,
                                         status: response.status.code, bytesSent: exchange.shaping.bytesSent(of: planned))
        response.body = ObservedBody.wrap(response.body, shaping: exchange.shaping) { [log = requestLog] sent in
            log.updateBytesSent(sequence: sequence, bytesSent: sent)
        }
        return response
    }

    private func route(_ request: Request, segments: [String]) async -> Response {
        do {
            var path = segments[...]
            if let first = path.first, first.hasPrefix("v"), first.dropFirst().first?.isNumber == true { path = path.dropFirst() }
            guard let kind = path.first, kind == "packets" || kind == "transactions", path.count >= 2 else {
                throw AMIEServerError(404, "Unknown endpoint \(request.uri.path)")
            }
            try authenticate(request, site: path[path.startIndex + 1])
            let rest = Array(path.dropFirst(2))
            if kind == "packets" { return try await packets(request, rest) }
            return try transactions(request, rest)
        } catch let error as AMIEServerError {
            return Self.reply(["message": .string(error.message)], status: error.status)
        } catch {
            return Self.reply(["message": .string("Internal error: \(error)")], status: 500)
        }
    }

    /// Both headers must be present and match the site the key was issued to, which is also the site in the path.
    private func authenticate(_ request: Request, site: String) throws {
        guard let headerSite = request.headers[Self.siteHeader], let key = request.headers[Self.keyHeader] else {
            throw AMIEServerError(401, "Missing XA-SITE or XA-API-KEY header")
        }
        guard key == apiKey, headerSite == store.localSite else { throw AMIEServerError(401, "Invalid site or API key") }
        guard site == headerSite else { throw AMIEServerError(403, "Site \(site) does not match XA-SITE \(headerSite)") }
    }

    private func packets(_ request: Request, _ rest: [String]) async throws -> Response {
        switch (request.method, rest.count) {
        case (.get, 0):
            let query = try PacketQuery(FormEncoding.decodeForm(request.uri.query ?? ""))
            let found = store.list(query)
            return Self.reply(["message": .string("\(found.count) packets"), "result": .array(found)])
        case (.post, 0):
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let json = RequestJSON.parse(Data(buffer: body)), json.objectMembers != nil else {
                throw AMIEServerError(400, "The body must be a JSON packet")
            }
            let stored = try store.receive(json)
            return Self.reply(["message": "Packet received", "result": stored])
        default:
            break
        }
        guard let recID = rest.first.flatMap({ Int64($0) }) else { throw AMIEServerError(404, "Unknown packet \(rest.first ?? "")") }
        switch (request.method, Array(rest.dropFirst())) {
        case (.get, []):
            return Self.reply(["message": "Packet found", "result": try store.packetJSON(recID)])
        case (.put, let tail) where tail.count == 2 && tail[0] == "client_state":
            try store.setClientState(recID, tail[1])
            return Self.reply(["message": .string("client_state set to \(tail[1])")])
        case (.delete, ["client_state"]):
            try store.setClientState(recID, nil)
            return Self.reply(["message": "client_state cleared"])
        case (.put, ["client_json"]):
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let json = RequestJSON.parse(Data(buffer: body)) else { throw AMIEServerError(400, "client_json must be JSON") }
            try store.setClientJSON(recID, json)
            return Self.reply(["message": "client_json set"])
        case (.delete, ["client_json"]):
            try store.setClientJSON(recID, nil)
            return Self.reply(["message": "client_json cleared"])
        default:
            throw AMIEServerError(405, "\(request.method.rawValue) is not supported on this packet path")
        }
    }

    private func transactions(_ request: Request, _ rest: [String]) throws -> Response {
        guard let transRecID = rest.first.flatMap({ Int64($0) }) else { throw AMIEServerError(404, "Unknown transaction") }
        switch (request.method, Array(rest.dropFirst())) {
        case (.get, ["packets"]):
            return Self.reply(["message": "Transaction found", "result": try store.transactionJSON(transRecID)])
        case (.put, ["state", "failed"]):
            try store.failTransaction(transRecID)
            return Self.reply(["message": .string("Transaction \(transRecID) marked failed")])
        default:
            throw AMIEServerError(405, "\(request.method.rawValue) is not supported on this transaction path")
        }
    }

    // MARK: Replies

    /// `{"message": …, "result": …}` with members in that order.
    static func reply(_ members: KeyValuePairs<String, JSONValue>, status: Int = 200) -> Response {
        text(JSONValue.object(members.map { ($0.key, $0.value) }).serialized(), status: status)
    }

    static func text(_ body: String, status: Int) -> Response {
        let code = (100...999).contains(status) ? status : 500
        return Response(status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
