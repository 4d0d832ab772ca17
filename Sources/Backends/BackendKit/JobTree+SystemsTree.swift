import Foundation
import SciencefsCore
import SciencefsHTTP

/// The parts of a systems tree (`SystemsTreeLocation`: `systems/` and `jobs/`) that do not depend on the service,
/// for the `Backend` methods of Agave and Tapis alike.
extension JobTree {
    /// The source root's two directories.
    public func rootEntries() -> [RemoteEntry] {
        [RemoteEntry(name: SystemsTreeLocation.systemsDirectory, attributes: .directory(mtime: createdAt)),
         RemoteEntry(name: SystemsTreeLocation.jobsDirectory,
                     attributes: .directory(mtime: createdAt, permissions: Self.directoryMode))]
    }

    /// `Backend.cachePolicy(for:)`: the source's policy outside `jobs/`, the job caching inside it.
    public func cachePolicy(for path: RemotePath, base: CachePolicy) -> CachePolicy {
        guard case .jobs(let components)? = try? SystemsTreeLocation(path) else { return base }
        return cachePolicy(for: components, base: base)
    }

    /// `Backend.listingIsComplete`: `jobs/.app/` lists nothing, yet `jobs/.app/<appId>/` exists for every app with
    /// a job; every other directory lists all it holds.
    public func listingIsComplete(_ path: RemotePath) -> Bool {
        guard case .jobs(let components)? = try? SystemsTreeLocation(path) else { return true }
        return (try? parse(components)) != .appFilters
    }

    /// `Backend.extendedAttributes`: job paths carry the job's attributes (fresh per the job caching) over the
    /// node's own; elsewhere the node's own. Errors leave unmapped, for the backend's mapping.
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        guard case .jobs(let components)? = try? SystemsTreeLocation(path),
              let job = try extendedAttributes(components) else { return attributes.xattrs }
        return attributes.xattrs.merging(job) { _, fresh in fresh }
    }
}

extension SystemsTreeLocation {
    /// Source and target of a copy between two files on this source's systems (`from.source` is `source`), or nil
    /// when the copy is not one the service can make (another source, a system root, `jobs/`).
    public static func copyWithin(source: String, from: RemoteRef, to: RemotePath)
        -> (sourceID: String, sourcePath: [String], targetID: String, targetPath: [String])? {
        guard from.source == source,
              case .system(let sourceID, let sourcePath)? = try? SystemsTreeLocation(from.path), !sourcePath.isEmpty,
              case .system(let targetID, let targetPath)? = try? SystemsTreeLocation(to), !targetPath.isEmpty else {
            return nil
        }
        return (sourceID, sourcePath, targetID, targetPath)
    }
}

/// The file part of a multipart upload, from a finished local file or from a file still being written
/// (`UploadStream`, sent with chunked encoding). `leaf` is the name the part carries.
public enum UploadPart {
    public static func file(_ url: URL, field: String) -> (_ leaf: String) -> MultipartForm.Part {
        { leaf in .file(name: field, file: url, filename: leaf, contentType: "application/octet-stream") }
    }

    public static func stream(_ source: UploadStream, field: String) -> (_ leaf: String) -> MultipartForm.Part {
        let body = StreamedBody(read: { try source.read(into: $0) }, isAbandoned: { source.isAbandoned })
        return { leaf in .stream(name: field, body: body, filename: leaf, contentType: "application/octet-stream") }
    }
}

/// A lookup whose 404 (or 400, for an id the server finds malformed) means "no such thing": nil instead of an error.
public enum AbsentLookup {
    public static func orNil(_ request: () throws -> HTTPResponse) throws -> HTTPResponse? {
        do {
            return try request()
        } catch HTTPError.status(code: 404, _), HTTPError.status(code: 400, _) {
            return nil
        }
    }
}
