import EmulatorSupport
import Foundation

/// FTS3 job states (docs/protocols/fts3.md §4). The emulator uses SUBMITTED, ACTIVE and the terminal ones.
enum JobState: String, Sendable {
    case submitted = "SUBMITTED"
    case active = "ACTIVE"
    case finished = "FINISHED"
    case failed = "FAILED"
    case finishedDirty = "FINISHEDDIRTY"
    case canceled = "CANCELED"

    var isTerminal: Bool { self == .finished || self == .failed || self == .finishedDirty || self == .canceled }
}

/// FTS3 file states the emulator moves through (docs/protocols/fts3.md §4): SUBMITTED → ACTIVE → FINISHED | FAILED, or
/// CANCELED; NOT_USED for the spare replicas of a multi-replica job.
enum FileState: String, Sendable {
    case submitted = "SUBMITTED"
    case active = "ACTIVE"
    case finished = "FINISHED"
    case failed = "FAILED"
    case canceled = "CANCELED"
    case notUsed = "NOT_USED"

    var isTerminal: Bool { self == .finished || self == .failed || self == .canceled }
    /// States the server's cancel turns into CANCELED (`FileActiveStates`).
    var isActive: Bool { self == .submitted || self == .active }
}

/// How checksums are verified, stored as the first letter of the submitted mode (docs/protocols/fts3.md §3.2 and the
/// server's `_check_checksum`).
enum ChecksumMode: String, Sendable {
    case source = "s"
    case target = "t"
    case both = "b"
    case none = "n"

    var checksSource: Bool { self == .source || self == .both }
    var checksTarget: Bool { self == .target || self == .both }
}

/// A submitted checksum: `ADLER32:0a1b2c3d`, or just `ADLER32` to ask for a type without a value.
struct SubmittedChecksum: Sendable, Equatable {
    /// Upper-cased algorithm name.
    let algorithm: String
    /// The expected value (lowercase hex, Adler-32 zero-padded to 8 digits); nil when only a type was given.
    let value: String?

    init(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        algorithm = parts[0].trimmingCharacters(in: .whitespaces).uppercased()
        let raw = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        if raw.isEmpty {
            value = nil
        } else if algorithm == "ADLER32" {
            value = Adler32.normalise(raw) ?? raw.lowercased()
        } else {
            value = raw.lowercased()
        }
    }
}

/// One row of `t_file`: a (source, destination) pair of a job and its progress.
struct TransferFile: Sendable {
    let fileID: Int64
    let fileIndex: Int
    let source: String
    let destination: String
    let sourceSE: String?
    let destinationSE: String?
    /// What the user submitted, kept verbatim (`ADLER32` when nothing was given, as the server fills in).
    let checksum: String
    let userFilesize: Int64
    let metadata: JSONValue
    let stagingMetadata: JSONValue
    let archiveMetadata: JSONValue
    let activity: String
    let selectionStrategy: String
    let scitag: Int64?
    /// Per-transfer storage tokens (token submissions); sent as bearer tokens to the storage.
    let sourceToken: String?
    let destinationToken: String?

    var state: FileState
    var reason: String = ""
    /// The source's size once it was looked at; the user's size until then.
    var filesize: Int64
    var transferred: Int64 = 0
    var startTime: Date?
    var finishTime: Date?
    var retry: Int = 0
    var transferDuration: Double?
    var throughput: Double?
}

/// One row of `t_job` with its files. Value type: the store hands out copies and applies changes under its lock.
struct TransferJob: Sendable {
    let id: String
    let jobType: String
    let sourceSE: String?
    let destinationSE: String?
    let userDN: String
    let credentialID: String
    let voName: String
    let submitTime: Date
    let priority: Int
    let maxTimeInQueue: Int64?
    let checksumMode: ChecksumMode
    let overwrite: Bool
    let retry: Int
    let retryDelay: Int
    let bringOnline: Int64
    let copyPinLifetime: Int64
    let archiveTimeout: Int64
    let sourceSpaceToken: String?
    let destinationSpaceToken: String?
    let jobMetadata: JSONValue
    let internalJobParams: String?
    let dstFileReport: Bool
    let disableCleanup: Bool
    let submitHost: String

    var state: JobState = .submitted
    var reason: String = ""
    var finished: Date?
    var cancelRequested = false
    var files: [TransferFile]

    /// The job state its files imply once none is running (docs/protocols/fts3.md §4), or nil while one still is.
    /// Normal jobs: all finished → FINISHED, some → FINISHEDDIRTY, none → FAILED (CANCELED if nothing failed).
    /// Multi-replica jobs succeed when one replica arrived; multihop jobs only when every hop did.
    func terminalStateFromFiles() -> JobState? {
        let used = files.filter { $0.state != .notUsed }
        guard !used.contains(where: { !$0.state.isTerminal }) else { return nil }
        let finished = used.filter { $0.state == .finished }.count
        let failed = used.filter { $0.state == .failed }.count
        switch jobType {
        case "R":
            if finished > 0 { return .finished }
        case "H":
            if finished == files.count { return .finished }
            if failed > 0 { return .failed }
            return .canceled
        default:
            if finished == used.count, finished > 0 { return .finished }
            if finished > 0 { return .finishedDirty }
        }
        return failed > 0 ? .failed : .canceled
    }
}
