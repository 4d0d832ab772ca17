/// JDMA's integer codes, named (docs/protocols/jdma.md §5). Nested in one namespace because the JDMA emulator module exports
/// top-level enums of similar names, and code importing both must not see two `JDMABatchStage`s.
public enum JDMAStages {
    /// JDMA's integer stage codes (docs/protocols/jdma.md §5), named. The server sends integers; the names are what
    /// `user.jdma.stage` and `.sciencefs/transfers/` show.
    public enum Batch: Int, Sendable, Equatable, CaseIterable {
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

        /// The name of any code, `UNKNOWN(<n>)` for one this table does not know (a newer server).
        public static func name(of code: Int) -> String {
            Batch(rawValue: code)?.name ?? "UNKNOWN(\(code))"
        }
    }

    /// A request's stage (`request.stage`). PUT/MIGRATE 0–9, GET 100–106, DELETE 200–204, failure 1000/1001.
    public enum Request: Int, Sendable, Equatable, CaseIterable {
        case putStart = 0, putBuilding = 1, putPending = 2, putPacking = 3, putting = 4, verifyPending = 5
        case verifyGetting = 6, verifying = 7, putTidy = 8, putCompleted = 9
        case getStart = 100, getPending = 101, getting = 102, getUnpacking = 103, getRestore = 104, getTidy = 105
        case getCompleted = 106
        case deleteStart = 200, deletePending = 201, deleting = 202, deleteTidy = 203, deleteCompleted = 204
        case failed = 1000, failedCompleted = 1001

        /// The server model's names (the client's table says PUT_PACK/GET_UNPACK for 3/103; numbers are what count).
        public var name: String {
            switch self {
            case .putStart: return "PUT_START"
            case .putBuilding: return "PUT_BUILDING"
            case .putPending: return "PUT_PENDING"
            case .putPacking: return "PUT_PACKING"
            case .putting: return "PUTTING"
            case .verifyPending: return "VERIFY_PENDING"
            case .verifyGetting: return "VERIFY_GETTING"
            case .verifying: return "VERIFYING"
            case .putTidy: return "PUT_TIDY"
            case .putCompleted: return "PUT_COMPLETED"
            case .getStart: return "GET_START"
            case .getPending: return "GET_PENDING"
            case .getting: return "GETTING"
            case .getUnpacking: return "GET_UNPACKING"
            case .getRestore: return "GET_RESTORE"
            case .getTidy: return "GET_TIDY"
            case .getCompleted: return "GET_COMPLETED"
            case .deleteStart: return "DELETE_START"
            case .deletePending: return "DELETE_PENDING"
            case .deleting: return "DELETING"
            case .deleteTidy: return "DELETE_TIDY"
            case .deleteCompleted: return "DELETE_COMPLETED"
            case .failed: return "FAILED"
            case .failedCompleted: return "FAILED_COMPLETED"
            }
        }

        public var isFailure: Bool { self == .failed || self == .failedCompleted }

        /// True once nothing more will happen to the request (success or failure).
        public var isFinal: Bool {
            switch self {
            case .putCompleted, .getCompleted, .deleteCompleted, .failed, .failedCompleted: return true
            default: return false
            }
        }

        public static func name(of code: Int) -> String {
            Request(rawValue: code)?.name ?? "UNKNOWN(\(code))"
        }
    }

    /// `request_type` integers (docs/protocols/jdma.md §4 record shapes).
    public enum RequestKind: Int, Sendable, Equatable {
        case put = 0, get = 1, migrate = 2, delete = 3

        public var name: String {
            switch self {
            case .put: return "PUT"
            case .get: return "GET"
            case .migrate: return "MIGRATE"
            case .delete: return "DELETE"
            }
        }
    }
}
