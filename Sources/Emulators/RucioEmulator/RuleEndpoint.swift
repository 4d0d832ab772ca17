import EmulatorSupport
import Foundation
import Hummingbird

/// `POST /rules/`, which `rucio upload` calls for a file uploaded without a dataset. The emulator has no rule
/// engine: it checks the DIDs exist and answers with a fresh rule id, as the real server does (201, JSON list).
struct RuleEndpoint {
    let state: RucioServerState

    func add(request: RucioRequest) async throws -> Response {
        let body = try await request.jsonObject()
        let dids = try JSONInput.didKeys(body["dids"])
        for key in dids where !state.catalog.exists(key) { throw RucioError.didNotFound(key.scope, key.name) }
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return RucioReplies.json(.array([.string(id)]), status: 201)
    }
}
