import Foundation
import Logging
import SciencefsHTTP

/// The JDMA REST calls behind `jdma_lib` (docs/protocols/jdma.md §4), typed. No credentials header exists in this protocol;
/// the storage `credentials` travel in request bodies and are never logged. Errors leave as `HTTPError` or
/// `DecodingError` for the caller's mapping (`JDMAErrorMapping`).
final class JDMAClient: Sendable {
    let endpoints: JDMAEndpoints
    let user: String
    private let http: HTTPClient
    private let credentials: [String: String]

    init(configuration: JDMAConfiguration, http: HTTPClient) {
        self.endpoints = JDMAEndpoints(serverURL: configuration.serverURL)
        self.user = configuration.userName
        self.credentials = configuration.credentials
        self.http = http
    }

    // MARK: Queries

    /// `info_user`: `{"name","email","notify"}`.
    func userInfo() throws -> [String: String] {
        let data = try get(endpoints.user(user))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object.mapValues { "\($0)" }
    }

    /// `get_storage`: backend id → display name.
    func storageBackends() throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: get(endpoints.storageBackends))
    }

    /// `get_batch` list form, optionally for one workspace.
    func batches(workspace: String? = nil) throws -> [JDMABatchRecord] {
        try JSONDecoder().decode(JDMABatchList.self, from: get(endpoints.batches(user: user, workspace: workspace))).migrations
    }

    /// `get_batch` single form.
    func batch(id: Int) throws -> JDMABatchRecord {
        try JSONDecoder().decode(JDMABatchRecord.self, from: get(endpoints.batch(user: user, id: id)))
    }

    /// `get_files` for one batch: every file with size and digest, flattened over archives.
    func files(batchID: Int) throws -> [JDMAFileListing.File] {
        let listing = try JSONDecoder().decode(JDMAFileListing.self, from: get(endpoints.files(user: user, batchID: batchID)))
        return listing.migrations.filter { $0.id == batchID }.flatMap { $0.archives.flatMap(\.files) }
    }

    /// `get_archives` for one batch (archives without their files).
    func archives(batchID: Int) throws -> [JDMAFileListing.Archive] {
        let listing = try JSONDecoder().decode(JDMAFileListing.self, from: get(endpoints.archives(user: user, batchID: batchID)))
        return listing.migrations.filter { $0.id == batchID }.flatMap(\.archives)
    }

    /// `get_request` single form.
    func request(id: Int) throws -> JDMARequestRecord {
        try JSONDecoder().decode(JDMARequestRecord.self, from: get(endpoints.request(user: user, id: id)))
    }

    /// `get_request` list form: the user's requests still visible (completed ones vanish after ~72 h).
    func requests() throws -> [JDMARequestRecord] {
        try JSONDecoder().decode(JDMARequestList.self, from: get(endpoints.requests(user: user))).requests
    }

    // MARK: Requests

    /// `upload_files`: PUT copies the files to storage; MIGRATE also deletes the originals once stored. The
    /// mount submits PUT (its staged copies are removed by the backend itself after PUT_COMPLETED).
    func uploadFiles(workspace: String, label: String, filelist: [String], storage: String,
                     migrate: Bool = false) throws -> JDMARequestRecord {
        let body = RequestBodyFields(name: user, workspace: workspace, filelist: filelist, label: label,
                                     requestType: migrate ? "MIGRATE" : "PUT", storage: storage, credentials: credentials)
        return try post(body)
    }

    /// `download_files`: GET of a whole batch (`filelist` nil) into `targetPath` on the shared filesystem.
    func downloadFiles(batchID: Int, targetPath: String, filelist: [String]? = nil) throws -> JDMARequestRecord {
        let body = RequestBodyFields(name: user, filelist: filelist, requestType: "GET", migrationID: batchID,
                                     targetPath: targetPath, credentials: credentials)
        return try post(body)
    }

    /// `delete_batch`.
    func deleteBatch(batchID: Int, storage: String) throws -> JDMARequestRecord {
        let body = RequestBodyFields(name: user, requestType: "DELETE", storage: storage, migrationID: batchID,
                                     credentials: credentials)
        return try post(body)
    }

    /// `modify_batch`: renames the label.
    func modifyBatch(batchID: Int, label: String) throws {
        let data = try JSONEncoder().encode(["label": label])
        _ = try http.send(HTTPRequest(method: .put, url: endpoints.modifyBatch(user: user, id: batchID),
                                      body: .data(data, contentType: "application/json")))
    }

    // MARK: Transport

    private func get(_ url: String) throws -> Data {
        try http.send(HTTPRequest(method: .get, url: url)).body
    }

    /// POSTs to `api/v1/request`. Not retried once the body left (a replayed PUT would be a second batch).
    private func post(_ body: RequestBodyFields) throws -> JDMARequestRecord {
        let data = try JSONEncoder().encode(body)
        let response = try http.send(HTTPRequest(method: .post, url: endpoints.requests,
                                                 body: .data(data, contentType: "application/json")))
        return try JSONDecoder().decode(JDMARequestRecord.self, from: response.body)
    }
}

/// The union of the request bodies `jdma_lib` posts; nil fields are left out.
struct RequestBodyFields: Encodable {
    var name: String
    var workspace: String? = nil
    var filelist: [String]? = nil
    var label: String? = nil
    var requestType: String
    var storage: String? = nil
    var migrationID: Int? = nil
    var targetPath: String? = nil
    var credentials: [String: String]

    enum CodingKeys: String, CodingKey {
        case name, workspace, filelist, label, requestType = "request_type", storage
        case migrationID = "migration_id", targetPath = "target_path", credentials
    }
}
