import BackendKit
import Foundation

/// The `{"status","message","version","result"}` wrapper around every Agave JSON reply (except `/token`).
struct AgaveEnvelope<Result: Decodable>: Decodable {
    let status: String
    let message: String?
    let result: Result?
}

/// An envelope whose result is not needed (delete, error replies): decodes with any result shape.
struct AgaveStatusEnvelope: Decodable {
    let status: String
    let message: String?
}

/// One row of `GET /files/v2/listings/...` (docs/protocols/agave.md §4.2).
struct AgaveFileRecord: Decodable, Sendable {
    let name: String
    let lastModified: String?
    let length: LenientNumber?
    let permissions: String?
    let type: String

    var isDirectory: Bool { type.lowercased() == "dir" }

    // Written out, and only the fields used (the row's other fields are skipped): a 100,000-entry listing decodes
    // 100,000 rows, and the synthesized decoder spent a fifth more time on the fields nobody reads.
    private enum CodingKeys: String, CodingKey { case name, lastModified, length, permissions, type }

    init(from decoder: Decoder) throws {
        let row = try decoder.container(keyedBy: CodingKeys.self)
        name = try row.decode(String.self, forKey: .name)
        type = try row.decode(String.self, forKey: .type)
        lastModified = try row.decodeIfPresent(String.self, forKey: .lastModified)
        permissions = try row.decodeIfPresent(String.self, forKey: .permissions)
        length = try row.decodeIfPresent(LenientNumber.self, forKey: .length)
    }
}

/// One storage system summary from `GET /systems/v2/` (docs/protocols/agave.md §4.1).
struct AgaveSystemSummary: Decodable {
    let id: String
    let name: String?
    let type: String?
    let description: String?
    let status: String?
    let lastModified: String?
}

/// The logical-file object returned by uploads and manage actions (docs/protocols/agave.md §4.4, §4.6). Only what we use.
struct AgaveLogicalFile: Decodable {
    let name: String?
    let path: String?
    let status: String?
    let lastModified: String?
}

/// `POST /token` reply: plain OAuth2 JSON, not enveloped (docs/protocols/agave.md §2.1).
struct AgaveTokenReply: Decodable {
    let accessToken: String
    let refreshToken: String?
    let expiresIn: LenientNumber?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case expiresIn = "expires_in"
    }
}

/// One event of a file's history (`GET /files/v2/history/…`, docs/protocols/agave.md §4.8).
struct AgaveHistoryEvent: Decodable, Sendable {
    var status: String
    var created: String?
    var description: String?

    /// The events that end an import or an upload (docs/protocols/agave.md §4.4, §4.5).
    static let terminal: Set<String> = ["STAGING_COMPLETED", "STAGING_FAILED"]
}
