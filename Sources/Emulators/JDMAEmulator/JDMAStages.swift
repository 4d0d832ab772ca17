import Foundation

/// Batch (`Migration.stage`) codes as the server sends them (integers on the wire).
public enum JDMABatchStage: Int, Sendable, CaseIterable {
    case onDisk = 0, putting = 1, onStorage = 2, failed = 3, deleting = 4, deleted = 5

    public var name: String {
        switch self {
        case .onDisk: return "ON_DISK"
        case .putting: return "PUTTING"
        case .onStorage: return "ON_STORAGE"
        case .failed: return "FAILED"
        case .deleting: return "DELETING"
        case .deleted: return "DELETED"
        }
    }
}

/// `MigrationRequest.request_type` codes.
public enum JDMARequestType: Int, Sendable {
    case put = 0, get = 1, migrate = 2, delete = 3

    init?(wireName: String) {
        switch wireName.uppercased() {
        case "PUT": self = .put
        case "GET": self = .get
        case "MIGRATE": self = .migrate
        case "DELETE": self = .delete
        default: return nil
        }
    }
}

/// `MigrationRequest.stage` codes and the order each request type walks through them.
public enum JDMARequestStage: Int, Sendable {
    case putStart = 0, putBuilding = 1, putPending = 2, putPacking = 3, putting = 4, verifyPending = 5,
         verifyGetting = 6, verifying = 7, putTidy = 8, putCompleted = 9
    case getStart = 100, getPending = 101, getting = 102, getUnpacking = 103, getRestore = 104, getTidy = 105,
         getCompleted = 106
    case deleteStart = 200, deletePending = 201, deleting = 202, deleteTidy = 203, deleteCompleted = 204
    case failed = 1000, failedCompleted = 1001

    /// The stages a request of `type` passes through, first to last (PUT packs into tar files as Elastic Tape
    /// does, so PUT_PACKING comes before PUT_PENDING).
    static func path(for type: JDMARequestType) -> [JDMARequestStage] {
        switch type {
        case .put, .migrate:
            return [.putStart, .putBuilding, .putPacking, .putPending, .putting, .verifyPending, .verifyGetting,
                    .verifying, .putTidy, .putCompleted]
        case .get:
            return [.getStart, .getPending, .getting, .getUnpacking, .getRestore, .getTidy, .getCompleted]
        case .delete:
            return [.deleteStart, .deletePending, .deleting, .deleteTidy, .deleteCompleted]
        }
    }

    var isFinished: Bool {
        [.putCompleted, .getCompleted, .deleteCompleted, .failed, .failedCompleted].contains(self)
    }
}
