import EmulatorSupport
import Foundation
import Hummingbird

/// The plain-HTTP listener behind the TLS front: refuses anything that did not come through nginx (wrong or
/// missing front secret), works out the caller, routes, and records every exchange in the request log.
struct FTS3Responder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: FTS3ServerState

    /// Submissions and delegated credentials are small; this only guards memory.
    static let maxBodySize = 64 << 20

    func respond(to request: Request, context: Context) async throws -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        let loggedPath = "/" + segments.map { FormEncoding.percentDecode($0, plusIsSpace: false) ?? String($0) }.joined(separator: "/")
        let dialect = FaultedExchange.Dialect(
            status: { FTS3Replies.error(FTS3Error($0, "Injected fault: HTTP \($0)")) },
            malformedJSON: { FTS3Replies.text("{\"job_id\": \"", contentType: "application/json") },
            expiredToken: {
                FTS3Replies.error(FTS3Error.needDelegation("Delegated credential has expired"))
            })
        let exchange = try await FaultedExchange.perform(state.faults.take(method: request.method.rawValue, path: loggedPath),
                                                         faults: state.faults, dialect: dialect) { await answer(request) }
        var response = exchange.response
        _ = state.requestLog.record(method: request.method.rawValue, path: loggedPath, query: request.uri.query,
                                    range: request.headers[.range], status: response.status.code,
                                    bytesSent: exchange.shaping.bytesSent(of: request.method == .head ? 0 : (response.body.contentLength ?? 0)))
        state.logger.debug("\(request.method.rawValue) \(loggedPath)", metadata: ["status": "\(response.status.code)"])
        if request.method != .head {
            response.body = ObservedBody.wrap(response.body, shaping: exchange.shaping) { _ in }
        }
        return response
    }

    /// The normal answer, with errors in the server's JSON form.
    private func answer(_ request: Request) async -> Response {
        do {
            return try await handle(request)
        } catch let error as FTS3Error {
            return FTS3Replies.error(error)
        } catch {
            state.logger.warning("FTS3 emulator request failed", metadata: ["error": "\(error)"])
            return FTS3Replies.error(FTS3Error(500, "Internal error: \(error)"))
        }
    }

    private func handle(_ request: Request) async throws -> Response {
        guard let secret = state.frontSecret.get(), request.headers[FrontHeaders.secret] == secret else {
            throw FTS3Error.forbidden("Requests must come through the emulator's TLS front")
        }
        var body = Data()
        if request.method == .post || request.method == .put {
            do {
                body = Data(try await request.body.collect(upTo: Self.maxBodySize).readableBytesView)
            } catch {
                throw FTS3Error(413, "The request body is larger than \(Self.maxBodySize) bytes")
            }
        }
        let api = try APIRequest(request, body: body)
        let identity = try state.identities.resolve(request.headers)
        switch api.segments.first {
        case nil where api.method == "GET":
            return FTS3Replies.json(Self.versions)
        case "whoami"?:
            return try whoami(api, identity: identity)
        case "delegation"?:
            return try DelegationEndpoints(state: state, identity: identity).route(api)
        case "jobs"?:
            return try JobEndpoints(state: state, identity: identity).route(api)
        default:
            throw FTS3Error.notFound("The requested URL was not found on the server.")
        }
    }

    /// `GET /whoami` and `GET /whoami/certificate`.
    private func whoami(_ request: APIRequest, identity: ClientIdentity) throws -> Response {
        guard request.method == "GET" else { throw FTS3Error(405, "The method is not allowed for the requested URL.") }
        if request.segments.count == 2, request.segments[1] == "certificate" {
            return FTS3Replies.text(identity.certificatePEM ?? "", contentType: "application/x-pem-file")
        }
        guard request.segments.count == 1 else { throw FTS3Error.notFound("The requested URL was not found on the server.") }
        let vo = identity.voName
        return FTS3Replies.json(.object([
            ("user_dn", .string(identity.dn)),
            ("dn", .array([.string(identity.dn)])),
            ("base_id", .string(IdentityResolver.nameBasedUUID("base"))),
            ("voms_cred", .array([])),
            ("vos", .array([.string(vo)])),
            ("vos_id", .array([.string(IdentityResolver.nameBasedUUID("vo:" + vo))])),
            ("roles", .object([])),
            ("level", .object([("transfer", "vo"), ("deleg", "all"), ("config", "none"), ("datamanagement", "all")])),
            ("delegation_id", .string(identity.delegationID)),
            ("method", .string(identity.method.rawValue)),
            ("is_root", .bool(false)),
        ]))
    }

    /// `GET /`: the versions the real server 3.13 reports; the Python client reads `api` when it connects.
    static let versions: JSONValue = .object([
        ("delegation", .object([("major", 1), ("minor", 0), ("patch", 0)])),
        ("api", .object([("major", 3), ("minor", 13), ("patch", 4)])),
        ("schema", .object([("major", 8), ("minor", 0), ("patch", 0)])),
        ("core", .object([("major", 3), ("minor", 13), ("patch", 4)])),
        ("_links", .object([
            ("curies", .array([.object([("name", "fts"), ("href", "https://gitlab.cern.ch/fts/fts3")])])),
            ("fts:whoami", .object([("href", "/whoami"), ("title", "Check user certificate")])),
            ("fts:joblist", .object([("href", "/jobs{?vo_name,user_dn,dlg_id,state_in}"), ("title", "List of active jobs"),
                                     ("templated", true)])),
            ("fts:job", .object([("href", "/jobs/{id}"), ("title", "Job information"), ("templated", true)])),
            ("fts:submitschema", .object([("href", "/api-docs/schema/submit"), ("title", "Schema for submissions")])),
        ])),
    ])
}
