import BackendKit
import Foundation
import SciencefsCore
import SciencefsHTTP

/// Reads and uploads (docs/protocols/tapis.md §5.2, §5.3).
extension TapisBackend {
    /// Ranged download through `GET /v3/files/content/…` with HTTP's `Range: bytes=a-b` (docs/protocols/tapis.md §5.2:
    /// the emulator's form; Tapis's own `range: min,max` header is not HTTP's syntax and is not sent). A server that
    /// ignores the range and sends the whole file still delivers only the bytes asked for (the HTTP client skips the
    /// rest). A range past the end is answered 416; only then is the size looked up and the range clamped.
    @discardableResult
    public func read(_ path: RemotePath, offset: UInt64, length: UInt64,
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard let range = ByteRange(offset: offset, length: length) else { return 0 }
        return try mapErrors("read", path) {
            let location = try SystemsTreeLocation(path)
            if case .jobs(let components) = location {
                return try jobs.read(components, offset: offset, length: length, sink: sink)
            }
            let (id, components) = try location.onSystem(orElse: .isDirectory)
            guard !components.isEmpty else { throw FSError.isDirectory }
            let url = api.endpoints.content(system: id, path: components)
            do {
                return try api.download(url, range: range, sink: sink).bytesDelivered
            } catch HTTPError.status(code: 416, _) {
                let size = try stat(path).size
                guard offset < size, let clamped = ByteRange(offset: offset, length: min(length, size - offset)) else { return 0 }
                return try api.download(url, range: clamped, sink: sink).bytesDelivered
            }
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
