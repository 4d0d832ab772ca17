import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

extension AgaveBackend {
    /// Ranged download (docs/protocols/agave.md §4.3). Agave answers 416 when the range reaches past the end instead of
    /// truncating; only then is the size looked up (one stat) and the range clamped, so reads inside the file
    /// cost one request.
    @discardableResult
    public func read(_ path: RemotePath, offset: UInt64, length: UInt64,
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        if case .jobs(let jobPath)? = try? SystemsTreeLocation(path) {
            return try mapErrors("read", path) {
                try jobs.read(jobPath, offset: offset, length: length,
                              served: { readOrigins.value?.report(path, url: $0) }, sink: sink)
            }
        }
        let (id, components) = try mapErrors("read", path) {
            try SystemsTreeLocation(path).onSystem(orElse: .isDirectory)
        }
        let url = api.endpoints.media(system: id, path: components)
        let delivered = try mapErrors("read", path) {
            do {
                return try RangedDownload.read(offset: offset, length: length, size: { try stat(path).size }) { range in
                    try api.download(url, range: range, sink: sink).bytesDelivered
                }
            } catch HTTPError.status(code: 501, _) {
                throw FSError.isDirectory // "Directory downloads not supported"
            }
        }
        readOrigins.value?.report(path, url: url)
        return delivered
    }

    /// Multipart upload into the parent directory (docs/protocols/agave.md §4.4), streamed from disk. The name travels both
    /// as the part's filename and as the `fileName` field. Agave overwrites an existing file of that name, so
    /// repeating the POST after a failure is safe and the request is marked retryable.
    ///
    /// Agave answers 202 and stages the bytes onto the storage system afterwards (§4.4): the upload is followed
    /// through the file's history until it has landed, so `close()` (and `cp`) returns only then, and a
    /// `STAGING_FAILED` fails with EIO and the service's reason (the Core keeps the bytes for a retry). The
    /// attributes returned are those of the landed object.
    public func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes {
        try upload(to: path, retryable: true, content: UploadPart.file(localFile, field: "fileToUpload"))
    }

    public var streamsUploads: Bool { true }

    /// The same POST as `upload(from:to:)`, its file part sent while the file is still being written, with chunked
    /// transfer encoding (docs/protocols/agave.md §4.4). An incomplete body (the writer sought back, the mount
    /// died) never becomes a file on the server: the multipart body never reaches its closing boundary (§4.4).
    /// Sent once: the stream cannot be rewound, so neither a dropped connection nor a rejected token is retried
    /// here; the Core then uploads the staged file whole.
    public func upload(streaming source: UploadStream, to path: RemotePath) throws -> RemoteAttributes {
        try upload(to: path, retryable: false, content: UploadPart.stream(source, field: "fileToUpload"))
    }

    private func upload(to path: RemotePath, retryable: Bool,
                        content: (String) -> MultipartForm.Part) throws -> RemoteAttributes {
        try mapErrors("upload", path) {
            let (id, components) = try SystemsTreeLocation.forWriting(path)
            guard let leaf = components.last else { throw FSError.isDirectory }
            let form = MultipartForm([.field(name: "fileName", value: leaf), content(leaf)])
            let url = api.endpoints.media(system: id, path: Array(components.dropLast()))
            let requested = Date()
            do {
                _ = try api.result(AgaveLogicalFile.self, .post, url, body: .multipart(form),
                                   retryAfterBodySent: retryable)
            } catch HTTPError.status(code: 400, _) {
                throw FSError.notDirectory // the parent is a file
            }
            try AgaveStagingFollower(api: api, pageSize: configuration.pageSize)
                .wait(for: "upload", system: id, path: components, requestedAt: requested)
            return try stat(path)
        }
    }
}
