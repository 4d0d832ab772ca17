import Foundation

/// A third-party copy service (FTS3): it copies between two storage URLs itself, so the bytes never pass through
/// this machine. The Core plans copies against this protocol; the FTS3 module implements it over HTTPS.
///
/// Thread-safety: every method may be called from any thread; calls block until the service answered.
/// Errors: `FSError` (`.io(reason)` for a refused or failed request, `.permissionDenied` for 401/403...).
public protocol TransferService: AnyObject, Sendable {
    /// Short name shown in the transfers view and logs, e.g. "fts3".
    var name: String { get }
    /// Submits one job copying every file; returns the service's job id.
    func submit(_ files: [TransferFile], options: TransferOptions) throws -> String
    /// The job's current state and its files.
    func status(of jobID: String) throws -> TransferJobStatus
    /// Asks the service to stop the job. Cancelling a job that already ended is not an error.
    func cancel(_ jobID: String) throws
}

/// One file of a transfer job: storage URLs as the service reaches them.
public struct TransferFile: Sendable, Codable, Equatable {
    public var source: String
    public var destination: String
    /// Adler-32 (8 lowercase hex digits) the service verifies against, when the source publishes one.
    public var adler32: String?
    public var size: UInt64?
    /// Free-form metadata stored with the file (e.g. the mount paths the copy was asked for).
    public var metadata: [String: String]

    public init(source: String, destination: String, adler32: String? = nil, size: UInt64? = nil,
                metadata: [String: String] = [:]) {
        self.source = source
        self.destination = destination
        self.adler32 = adler32
        self.size = size
        self.metadata = metadata
    }
}

public struct TransferOptions: Sendable, Equatable {
    public var overwrite: Bool
    /// Verify the checksum at source and destination.
    public var verifyChecksum: Bool
    /// Retries per file (0 = the service's default).
    public var retry: Int
    /// 1...5, 3 = normal.
    public var priority: Int
    public var metadata: [String: String]

    public init(overwrite: Bool = true, verifyChecksum: Bool = true, retry: Int = 0, priority: Int = 3,
                metadata: [String: String] = [:]) {
        self.overwrite = overwrite
        self.verifyChecksum = verifyChecksum
        self.retry = retry
        self.priority = priority
        self.metadata = metadata
    }
}

/// A job's state in the tracker's words, which are FTS3's (`SUBMITTED`, `ACTIVE`, `FINISHED`, `FAILED`,
/// `FINISHEDDIRTY`, `CANCELED`) plus `LOST`: the tracker gave the job up (`PollPolicy`). Every job service reports
/// these; its own words go in the files' states.
public struct TransferJobState: RawRepresentable, Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }

    public static let submitted = TransferJobState(rawValue: "SUBMITTED")
    public static let active = TransferJobState(rawValue: "ACTIVE")
    public static let finished = TransferJobState(rawValue: "FINISHED")
    public static let failed = TransferJobState(rawValue: "FAILED")
    public static let finishedDirty = TransferJobState(rawValue: "FINISHEDDIRTY")
    public static let canceled = TransferJobState(rawValue: "CANCELED")
    /// Given up by the tracker (the service does not know the job, or could not be asked for too long).
    public static let lost = TransferJobState(rawValue: "LOST")

    /// The job will not change any more (or is not followed any more).
    public var isTerminal: Bool { [Self.finished, .failed, .finishedDirty, .canceled, .lost].contains(self) }
    public var description: String { rawValue }
}

public struct TransferFileStatus: Sendable, Codable, Equatable {
    public var source: String
    public var destination: String
    /// FTS3's file state (`SUBMITTED`, `ACTIVE`, `FINISHED`, `FAILED`, `CANCELED`, `NOT_USED`...).
    public var state: String
    public var reason: String?
    public var size: UInt64?
    /// Bytes moved so far (the whole size once finished).
    public var transferred: UInt64

    public init(source: String, destination: String, state: String, reason: String? = nil, size: UInt64? = nil,
                transferred: UInt64 = 0) {
        self.source = source
        self.destination = destination
        self.state = state
        self.reason = reason
        self.size = size
        self.transferred = transferred
    }
}

public struct TransferJobStatus: Sendable, Codable, Equatable {
    public var jobID: String
    public var state: TransferJobState
    public var reason: String?
    public var files: [TransferFileStatus]

    public init(jobID: String, state: TransferJobState, reason: String? = nil, files: [TransferFileStatus] = []) {
        self.jobID = jobID
        self.state = state
        self.reason = reason
        self.files = files
    }

    public var bytesTransferred: UInt64 { files.reduce(0) { $0 + $1.transferred } }
    public var bytesTotal: UInt64 { files.reduce(0) { $0 + ($1.size ?? 0) } }
    public var filesFinished: Int { files.filter { $0.state == "FINISHED" }.count }
}
