import EmulatorSupport
import Foundation

/// `FILE`, `DATASET` or `CONTAINER`, spelled as the JSON carries them.
public enum RucioDIDType: String, Sendable, CaseIterable {
    case file = "FILE"
    case dataset = "DATASET"
    case container = "CONTAINER"

    var isCollection: Bool { self != .file }
}

/// A replica's state as the API spells it; the request bodies of `POST`/`PUT /replicas` use the one-letter DB
/// codes (`A`, `C`, …), which `init(code:)` accepts as well as the names.
enum ReplicaState: String, Sendable {
    case available = "AVAILABLE"
    case unavailable = "UNAVAILABLE"
    case copying = "COPYING"
    case beingDeleted = "BEING_DELETED"
    case bad = "BAD"
    case temporaryUnavailable = "TEMPORARY_UNAVAILABLE"

    init?(code: String) {
        switch code.uppercased() {
        case "A", "AVAILABLE": self = .available
        case "U", "UNAVAILABLE": self = .unavailable
        case "C", "COPYING": self = .copying
        case "B", "BEING_DELETED": self = .beingDeleted
        case "D", "BAD": self = .bad
        case "T", "TEMPORARY_UNAVAILABLE": self = .temporaryUnavailable
        default: return nil
        }
    }
}

struct DIDKey: Hashable, Sendable, Comparable {
    var scope: String
    var name: String

    var text: String { "\(scope):\(name)" }

    static func < (lhs: DIDKey, rhs: DIDKey) -> Bool {
        (lhs.scope, lhs.name) < (rhs.scope, rhs.name)
    }
}

/// One row of the DID table.
struct DIDRecord: Sendable {
    var key: DIDKey
    var type: RucioDIDType
    var account: String
    /// Files: their size. Collections: nil, as on a server without the abacus daemon (the integration setup);
    /// `dynamic_depth` computes sizes on demand.
    var bytes: Int64?
    /// Files: 1; collections: nil (see `bytes`).
    var length: Int64?
    var md5: String?
    var adler32: String?
    var isOpen: Bool
    var createdAt: Date
    var updatedAt: Date
    var closedAt: Date?
    /// User metadata; keys that are DID columns (`datatype`, `run_number`, …) appear in the DID_COLUMN plugin,
    /// the others in the JSON plugin.
    var meta: [String: JSONValue]
}

struct ReplicaRecord: Sendable {
    var rse: String
    var state: ReplicaState
    var createdAt: Date
}

/// The DID columns of `did_column_meta` that users may set and that the DID_COLUMN plugin reports.
enum DIDColumns {
    static let settable: [String] = ["project", "datatype", "run_number", "stream_name", "prod_step", "version",
                                     "campaign", "task_id", "panda_id", "lumiblocknr", "provenance", "phys_group",
                                     "transient", "guid", "events"]
}
