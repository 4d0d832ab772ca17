import BackendKit
import Foundation
import SciencefsCore

/// The `{"status","message","result","version","metadata"}` wrapper around every Tapis reply
/// (docs/protocols/tapis.md §2).
struct TapisEnvelope<Result: Decodable>: Decodable {
    let status: String?
    let message: String?
    let result: Result?
}

/// An envelope whose result is not needed (error replies, delete): decodes with any result shape.
struct TapisStatusEnvelope: Decodable {
    let status: String?
    let message: String?
}

/// `result` of `POST /v3/oauth2/tokens` (docs/protocols/tapis.md §3.1).
struct TapisTokenResult: Decodable {
    struct AccessToken: Decodable {
        let accessToken: String
        let expiresAt: String?
        let expiresIn: LenientNumber?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresAt = "expires_at"
            case expiresIn = "expires_in"
        }
    }

    /// Only when the request authenticated an OAuth client (HTTP Basic).
    struct RefreshToken: Decodable {
        let refreshToken: String

        enum CodingKeys: String, CodingKey {
            case refreshToken = "refresh_token"
        }
    }

    let accessToken: AccessToken
    let refreshToken: RefreshToken?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }
}

/// The password grant's body (JSON, as tapipy sends it).
struct TapisPasswordGrant: Encodable {
    let username: String
    let password: String
    let grantType = "password"

    enum CodingKeys: String, CodingKey {
        case username, password
        case grantType = "grant_type"
    }
}

/// The refresh grant's body (JSON); the OAuth client goes in HTTP Basic.
struct TapisRefreshGrant: Encodable {
    let refreshToken: String
    let grantType = "refresh_token"

    enum CodingKeys: String, CodingKey {
        case refreshToken = "refresh_token"
        case grantType = "grant_type"
    }
}

/// One system from `GET /v3/systems` (docs/protocols/tapis.md §4.1). Only what the mount shows.
struct TapisSystem: Decodable {
    let id: String
    let systemType: String?
    let updated: String?
    let created: String?
}

/// One row of `GET /v3/files/ops/{systemId}/{path}` and of a job's output listing (docs/protocols/tapis.md §5.1, §7.4).
struct TapisFileInfo: Decodable {
    let name: String
    let path: String?
    let type: String?
    let size: LenientNumber?
    let lastModified: String?
    let nativePermissions: String?

    var isDirectory: Bool { type?.lowercased() == "dir" }

    /// True when this row is the listed path itself rather than a child of it: listing a file gives that file, and
    /// a child's `path` ends in `<requested>/<name>`.
    func isItself(requested: [String]) -> Bool {
        guard let last = requested.last, name == last else { return false }
        guard let path else { return !isDirectory }
        let trimmed = path.split(separator: "/").joined(separator: "/")
        return trimmed == requested.joined(separator: "/") || !trimmed.hasSuffix((requested + [name]).joined(separator: "/"))
    }

    var attributes: RemoteAttributes {
        let kind: NodeKind = isDirectory ? .directory : .file
        return RemoteAttributes(kind: kind, size: kind == .file ? (size?.unsigned ?? 0) : 0,
                                mtime: lastModified.flatMap(ISOTimestamp.parse) ?? Date(timeIntervalSince1970: 0),
                                permissions: TapisPermissions.mode(nativePermissions, kind: kind))
    }
}

/// `PUT /v3/files/ops/{systemId}/{path}` (docs/protocols/tapis.md §5.6): `newPath` is relative to the system root.
struct TapisMoveCopy: Encodable {
    let operation: String
    let newPath: String
}

/// `POST /v3/files/ops/{systemId}` (docs/protocols/tapis.md §5.4).
struct TapisMkdir: Encodable {
    let path: String
}

/// `POST /v3/files/transfers` (docs/protocols/tapis.md §6.1).
struct TapisTransferRequest: Encodable {
    struct Element: Encodable {
        let sourceURI: String
        let destinationURI: String
    }

    let tag: String
    let elements: [Element]
}

/// A transfer task as `POST`/`GET /v3/files/transfers…` return it.
struct TapisTransferTask: Decodable {
    let uuid: String
    let status: String
    let errorMessage: String?
    let estimatedTotalBytes: LenientNumber?
    let totalBytesTransferred: LenientNumber?
}

/// One job from `GET /v3/jobs/list` or `GET /v3/jobs/{uuid}` (docs/protocols/tapis.md §7.2).
struct TapisJobSummary: Decodable, Equatable, Sendable, JobSummary {
    let uuid: String
    let name: String?
    let owner: String?
    let appId: String?
    let status: String
    let created: String?
    let remoteStarted: String?
    let ended: String?
    let lastUpdated: String?
    let execSystemId: String?

    var id: String { uuid }
    var isTerminal: Bool { TapisJobStatus.terminal.contains(status.uppercased()) }

    /// The end time once the job has ended, else its start, else when it was created.
    var mtime: Date {
        for text in [ended, remoteStarted, created, lastUpdated] {
            if let text, let date = ISOTimestamp.parse(text) { return date }
        }
        return Date(timeIntervalSince1970: 0)
    }
}

/// Tapis job states (docs/protocols/tapis.md §7.1).
enum TapisJobStatus {
    static let all = ["PENDING", "PROCESSING_INPUTS", "STAGING_INPUTS", "STAGING_JOB", "SUBMITTING_JOB", "QUEUED",
                      "RUNNING", "ARCHIVING", "BLOCKED", "PAUSED", "FINISHED", "CANCELLED", "FAILED"]
    static let terminal: Set<String> = ["FINISHED", "CANCELLED", "FAILED"]
}
