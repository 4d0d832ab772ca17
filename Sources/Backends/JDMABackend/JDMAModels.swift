import Foundation

/// An integer that the server may send as a JSON number or as a numeric string (ids echoed from request
/// bodies keep whatever type the client sent).
struct LenientInt: Decodable, Equatable, Sendable {
    var value: Int

    init(_ value: Int) { self.value = value }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let int = try? container.decode(Int.self) {
            value = int
        } else if let text = try? container.decode(String.self), let int = Int(text.trimmingCharacters(in: .whitespaces)) {
            value = int
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an integer")
        }
    }
}

/// One batch (`migration`) as `GET api/v1/migration/` returns it.
struct JDMABatchRecord: Decodable, Equatable, Sendable {
    var id: Int
    var user: String?
    var workspace: String
    var label: String
    var stage: Int
    var storage: String?
    var externalID: String?
    var registeredDate: String?

    enum CodingKeys: String, CodingKey {
        case id = "migration_id", user, workspace, label, stage, storage
        case externalID = "external_id", registeredDate = "registered_date"
    }

    init(id: Int, user: String? = nil, workspace: String, label: String, stage: Int, storage: String? = nil,
         externalID: String? = nil, registeredDate: String? = nil) {
        self.id = id
        self.user = user
        self.workspace = workspace
        self.label = label
        self.stage = stage
        self.storage = storage
        self.externalID = externalID
        self.registeredDate = registeredDate
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(LenientInt.self, forKey: .id).value
        user = try c.decodeIfPresent(String.self, forKey: .user)
        workspace = try c.decode(String.self, forKey: .workspace)
        // A batch registered without a label has `null`; the namespace names it after its id then.
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? ""
        stage = try c.decode(LenientInt.self, forKey: .stage).value
        storage = try c.decodeIfPresent(String.self, forKey: .storage)
        externalID = try? c.decodeIfPresent(String.self, forKey: .externalID)
        registeredDate = try? c.decodeIfPresent(String.self, forKey: .registeredDate)
    }
}

/// `{"migrations":[…]}`, the list form of `GET api/v1/migration/`.
struct JDMABatchList: Decodable, Sendable {
    var migrations: [JDMABatchRecord]
}

/// One request as `GET api/v1/request?request_id=` returns it, or as the POST that created it echoes it
/// (which says `batch_id` where the GET form says `migration_id`).
struct JDMARequestRecord: Decodable, Equatable, Sendable {
    var id: Int
    var type: Int?
    var batchID: Int?
    var label: String?
    var workspace: String?
    var storage: String?
    var stage: Int
    var failureReason: String?
    var filelist: [String]?
    var targetPath: String?

    enum CodingKeys: String, CodingKey {
        case id = "request_id", type = "request_type", migrationID = "migration_id", batchID = "batch_id"
        case label, workspace, storage, stage, failureReason = "failure_reason", filelist, targetPath = "target_path"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(LenientInt.self, forKey: .id).value
        type = try? c.decodeIfPresent(LenientInt.self, forKey: .type)?.value
        batchID = (try? c.decodeIfPresent(LenientInt.self, forKey: .migrationID)?.value)
            ?? (try? c.decodeIfPresent(LenientInt.self, forKey: .batchID)?.value)
        label = try? c.decodeIfPresent(String.self, forKey: .label)
        workspace = try? c.decodeIfPresent(String.self, forKey: .workspace)
        storage = try? c.decodeIfPresent(String.self, forKey: .storage)
        stage = try c.decode(LenientInt.self, forKey: .stage).value
        failureReason = try? c.decodeIfPresent(String.self, forKey: .failureReason)
        filelist = try? c.decodeIfPresent([String].self, forKey: .filelist)
        targetPath = try? c.decodeIfPresent(String.self, forKey: .targetPath)
    }
}

/// `{"requests":[…]}`, the list form of `GET api/v1/request`.
struct JDMARequestList: Decodable, Sendable {
    var requests: [JDMARequestRecord]
}

/// `GET api/v1/file/` (docs/protocols/jdma.md §4): batches → archives → files, with digests.
struct JDMAFileListing: Decodable, Sendable {
    var migrations: [Batch]

    struct Batch: Decodable, Sendable {
        var id: Int
        var workspace: String?
        var label: String?
        var storage: String?
        var archives: [Archive]

        enum CodingKeys: String, CodingKey { case id = "migration_id", workspace, label, storage, archives }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(LenientInt.self, forKey: .id).value
            workspace = try? c.decodeIfPresent(String.self, forKey: .workspace)
            label = try? c.decodeIfPresent(String.self, forKey: .label)
            storage = try? c.decodeIfPresent(String.self, forKey: .storage)
            archives = try c.decodeIfPresent([Archive].self, forKey: .archives) ?? []
        }
    }

    struct Archive: Decodable, Sendable {
        var archiveID: String?
        var files: [File]

        enum CodingKeys: String, CodingKey { case archiveID = "archive_id", files }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            archiveID = try? c.decodeIfPresent(String.self, forKey: .archiveID)
            files = try c.decodeIfPresent([File].self, forKey: .files) ?? []
        }
    }

    struct File: Decodable, Sendable, Equatable {
        /// The file's original absolute path.
        var path: String
        var size: UInt64
        var digest: String?
        var digestFormat: String?

        // The server's key really is `"pk "` with a trailing space (docs/protocols/jdma.md §6.4); the id is not needed here.
        enum CodingKeys: String, CodingKey { case path, size, digest, digestFormat = "digest_format" }

        init(path: String, size: UInt64, digest: String?, digestFormat: String?) {
            self.path = path
            self.size = size
            self.digest = digest
            self.digestFormat = digestFormat
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            let rawSize = try c.decode(LenientInt.self, forKey: .size).value
            size = UInt64(max(0, rawSize))
            digest = try? c.decodeIfPresent(String.self, forKey: .digest)
            digestFormat = try? c.decodeIfPresent(String.self, forKey: .digestFormat)
        }
    }
}

/// The error body every JDMA failure carries (`{"error": "..."}`), when it is JSON at all.
struct JDMAErrorBody: Decodable {
    var error: String

    static func message(in body: Data) -> String? {
        (try? JSONDecoder().decode(JDMAErrorBody.self, from: body))?.error
    }
}
