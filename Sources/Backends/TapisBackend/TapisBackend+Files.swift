import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Reads and uploads (docs/protocols/tapis.md §5.2, §5.3).
extension TapisBackend {
    /// Ranged download through `GET /v3/files/content/…` with Tapis's own `range: min,max` header (docs/protocols/tapis.md
    /// §5.2; HTTP's `bytes=a-b` would reach the service as the same header and be refused). A `max` past the end stops at
    /// the end; a `min` at or past it is a 400, after which the size is looked up and the range clamped.
    @discardableResult
    public func read(_ path: RemotePath, offset: UInt64, length: UInt64,
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        try mapErrors("read", path) {
            let location = try SystemsTreeLocation(path)
            if case .jobs(let components) = location {
                return try jobs.read(components, offset: offset, length: length,
                                     served: { readOrigins.value?.report(path, url: $0) }, sink: sink)
            }
            let (id, components) = try location.onSystem(orElse: .isDirectory)
            guard !components.isEmpty else { throw FSError.isDirectory }
            let url = api.endpoints.content(system: id, path: components)
            let delivered = try RangedDownload.read(offset: offset, length: length, pastEnd: [400, 416],
                                                    size: { try stat(path).size }) { range in
                try api.download(url, range: range, rangeForm: .tapis, sink: sink).bytesDelivered
            }
            readOrigins.value?.report(path, url: url)
            return delivered
        }
    }

    /// Multipart `POST /v3/files/ops/{systemId}/{path}` with the bytes in the `file` part, streamed from disk. Tapis
    /// writes the file at `path` (replacing one there) before it answers, so repeating the POST is safe.
    public func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes {
        try upload(to: path, retryable: true, content: UploadPart.file(localFile, field: "file"))
    }

    public var streamsUploads: Bool { true }

    /// The same POST, its `file` part sent while the file is still being written (chunked). An incomplete body never
    /// reaches its closing boundary, so it never becomes a file (docs/protocols/tapis.md §5.3). Sent once: the stream
    /// cannot be rewound, so neither a dropped connection nor a rejected token is retried here; the Core then uploads
    /// the staged file whole.
    public func upload(streaming source: UploadStream, to path: RemotePath) throws -> RemoteAttributes {
        try upload(to: path, retryable: false, content: UploadPart.stream(source, field: "file"))
    }

    private func upload(to path: RemotePath, retryable: Bool,
                        content: (String) -> MultipartForm.Part) throws -> RemoteAttributes {
        try mapErrors("upload", path) {
            let (id, components) = try SystemsTreeLocation.forWriting(path)
            guard let leaf = components.last else { throw FSError.isDirectory }
            _ = try api.send(.post, api.endpoints.ops(system: id, path: components),
                             body: .multipart(MultipartForm([content(leaf)])), retryAfterBodySent: retryable)
            return try stat(path)
        }
    }
}
