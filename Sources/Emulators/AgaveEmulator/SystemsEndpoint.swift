import EmulatorSupport
import Hummingbird

/// `GET /systems/v2/` and `GET /systems/v2/{id}` (docs/protocols/agave.md §4.1). Only storage systems exist here.
struct SystemsEndpoint {
    let state: EmulatorState

    func list(query: [String: String], options: ReplyOptions) -> Response {
        var systems = state.registry.all
        if let type = query["type"], type.uppercased() != "STORAGE" { systems = [] }
        if let flag = query["default"].flatMap(Self.bool) { systems = systems.filter { $0.isDefault == flag } }
        if let flag = query["public"].flatMap(Self.bool) { systems = systems.filter { $0.isPublic == flag } }
        let (limit, offset) = state.paging(query)
        let page = systems.dropFirst(offset).prefix(limit)
        let objects = state.objects
        return Replies.success(.array(page.map(objects.systemSummary)), options: options,
                               version: state.configuration.apiVersion)
    }

    func get(rawId: Substring, options: ReplyOptions) throws -> Response {
        guard let id = FormEncoding.percentDecode(rawId, plusIsSpace: false), let system = state.registry.system(id: id) else {
            throw AgaveError(404, "No system found with id \(rawId)")
        }
        let detail = state.objects.systemDetail(system, rootDir: state.rootDirectory(of: system.id).path)
        return Replies.success(detail, options: options, version: state.configuration.apiVersion)
    }

    private static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }
}
