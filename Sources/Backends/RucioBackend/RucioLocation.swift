import SciencefsCore

/// What a path under the source's root names.
///
/// - `/` → the scopes; `/<scope>` → that scope's top-level DIDs.
/// - `/<scope>/<c1>/…/<x>` → a DID. Each component is a file name (see `DIDNameCoding`) inside the directory
///   before it; a component without `scope:` takes the scope of the DID (or scope directory) it sits in.
enum RucioLocation: Equatable {
    case root
    case scope(String)
    /// A DID and the directory it was reached through.
    case did(DID, parent: Parent)

    enum Parent: Equatable {
        /// Directly under a scope directory: any DID of the scope can be named there.
        case scope(String)
        /// Inside a collection: must be one of its children.
        case collection(DID)

        var scope: String {
            switch self {
            case .scope(let scope): return scope
            case .collection(let did): return did.scope
            }
        }
    }

    init(_ path: RemotePath) throws {
        let components = path.components
        guard let first = components.first else {
            self = .root
            return
        }
        let scope = try DIDNameCoding.decode(first)
        guard components.count > 1 else {
            self = .scope(scope)
            return
        }
        var parent = Parent.scope(scope)
        var did = DID(scope: scope, name: "")
        for (index, component) in components.dropFirst().enumerated() {
            did = try DIDNameCoding.did(fromFileName: component, parentScope: parent.scope)
            if index < components.count - 2 { parent = .collection(did) }
        }
        self = .did(did, parent: parent)
    }

    /// The scope directory at the top of the path, if any.
    var scopeDirectory: String? {
        switch self {
        case .root: return nil
        case .scope(let scope): return scope
        case .did(_, let parent): return parent.scope
        }
    }
}
