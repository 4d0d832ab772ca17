import Foundation
import SciencefsCore
import SciencefsHTTP

/// Writes, the way `rucio upload` does them (docs/protocols/rucio.md §6.5): register the replica as COPYING, PUT the bytes to
/// `<pfn>.rucio.upload` on the upload RSE, MOVE it to `<pfn>`, mark the replica AVAILABLE, attach the file to
/// its dataset. Rucio has no rename and no user-level delete.
extension RucioBackend {
    struct FileRegistration: Encodable {
        var scope: String
        var name: String
        var bytes: UInt64?
        var adler32: String?
        var md5: String?
        var state: String
    }

    struct ReplicaRegistration: Encodable {
        var rse: String
        var files: [FileRegistration]
        var ignore_availability: Bool?
    }

    struct DIDRefBody: Encodable { var scope: String; var name: String }
    struct AttachBody: Encodable { var dids: [DIDRefBody] }

    struct NewCollection: Encodable {
        struct Rule: Encodable {
            var account: String
            var copies: Int
            var rse_expression: String
            var grouping: String
        }
        var type: String
        var rules: [Rule]?
    }

    /// The checks `upload` makes before sending a byte, asked at create time so that `cp` fails at `open` (with
    /// the dataset record as last seen, at most one request per dataset) instead of at `close`.
    public func checkCreate(_ path: RemotePath, parent: RemoteAttributes) throws {
        try mapErrors("create", path) { _ = try uploadDestination(path, fresh: false) }
    }

    /// Where a file written at `path` goes: its DID, its dataset and the RSE. Throws EACCES (not a dataset) or
    /// EROFS (no upload RSE, a closed dataset) with one log line, as `rucio upload` refuses them.
    private func uploadDestination(_ path: RemotePath, fresh: Bool) throws -> (file: DID, dataset: DID, rse: String) {
        guard case .did(let fileDID, .collection(let datasetDID)) = try RucioLocation(path) else {
            logger.error("Rucio files can only be written into a dataset (<scope>/<dataset>/<file>)",
                         metadata: ["source": "\(name)", "path": "\(path)"])
            throw FSError.permissionDenied
        }
        guard let rseName = configuration.uploadRSE else {
            logger.error("Rucio upload refused: no upload RSE configured (upload_rse)", metadata: ["source": "\(name)", "path": "\(path)"])
            throw FSError.readOnly
        }
        let dataset = try record(datasetDID, at: path.parent, fresh: fresh)
        guard dataset.type == .dataset else {
            logger.error("Rucio upload refused: only datasets hold files", metadata: [
                "source": "\(name)", "path": "\(path)", "parent": "\(datasetDID)", "type": "\(dataset.type.rawValue)"])
            throw FSError.permissionDenied
        }
        guard dataset.open != false else {
            logger.error("Rucio upload refused: the dataset is closed", metadata: [
                "source": "\(name)", "path": "\(path)", "dataset": "\(datasetDID)"])
            throw FSError.readOnly
        }
        return (fileDID, datasetDID, rseName)
    }

    public func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("upload", path) {
            let (fileDID, datasetDID, rseName) = try uploadDestination(path, fresh: true)
            let sums = try Self.checksums(of: localFile)
            let attributes = RucioAttributes.make(
                DIDRecord(scope: fileDID.scope, name: fileDID.name, type: .file, bytes: sums.size, adler32: sums.adler32, md5: sums.md5),
                parentDatasetOpen: true, fallbackDate: Date())
            defer { forgetCollection(at: path.parent) }

            if let existing = try existingRecord(fileDID, at: path) {
                // Rucio files are immutable: the same bytes again only need attaching; other bytes cannot replace them.
                guard existing.type == .file, Self.sameAdler32(existing.adler32, sums.adler32),
                      existing.bytes == nil || existing.bytes == sums.size else {
                    logger.error("Rucio upload refused: a different DID of that name exists (Rucio files are immutable)",
                                 metadata: ["source": "\(name)", "path": "\(path)", "did": "\(fileDID)"])
                    throw FSError.permissionDenied
                }
                try attach(fileDID, to: datasetDID)
                return attributes
            }

            let rse = try api.decode(RSEInfo.self, api.endpoints.rse(rseName)) // once per upload, as `rucio upload`
            let target = try uploadTarget(fileDID, rse: rse)
            let file = FileRegistration(scope: fileDID.scope, name: fileDID.name, bytes: sums.size,
                                        adler32: sums.adler32, md5: sums.md5, state: "C")
            do {
                _ = try api.send(.post, api.endpoints.replicas,
                                 json: ReplicaRegistration(rse: rseName, files: [file], ignore_availability: true))
            } catch HTTPError.status(code: 409, _) {
                // A replica left in COPYING by an earlier, interrupted upload of these same bytes: carry on.
            }
            try putToStorage(localFile, url: target.url, prefixURL: target.prefixURL, size: sums.size)
            var available = file
            available.state = "A"
            _ = try api.send(.put, api.endpoints.replicas, json: ReplicaRegistration(rse: rseName, files: [available]))
            try attach(fileDID, to: datasetDID)
            logger.info("uploaded to Rucio", metadata: ["source": "\(name)", "did": "\(fileDID)", "rse": "\(rseName)",
                                                        "dataset": "\(datasetDID)", "bytes": "\(sums.size)"])
            return attributes
        }
    }

    /// Size, adler32 and md5 of the staged file, read in chunks (never whole into memory).
    static func checksums(of file: URL) throws -> (size: UInt64, adler32: String, md5: String) {
        let fd = open(file.path, O_RDONLY)
        guard fd >= 0 else { throw FSError.fromErrno(errno) }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw FSError.fromErrno(errno) }
        let size = UInt64(end)
        let result = try ChecksumCalculator.compute(fileDescriptor: fd, length: size)
        return (size, result.adler32, result.md5)
    }

    /// Adler-32 values compare without leading zeros (the server may strip them); a missing one never matches.
    static func sameAdler32(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        return Checksum.sameAdler32(a, b)
    }

    private func existingRecord(_ did: DID, at path: RemotePath) throws -> DIDRecord? {
        do {
            return try record(did, at: path, fresh: true)
        } catch HTTPError.status(code: 404, _) {
            return nil
        }
    }

    func attach(_ child: DID, to parent: DID) throws {
        do {
            _ = try api.send(.post, api.endpoints.content(parent),
                             json: AttachBody(dids: [DIDRefBody(scope: child.scope, name: child.name)]))
        } catch HTTPError.status(code: 409, _) {
            // Already attached (FileAlreadyExists / Duplicate): the state we want.
        }
    }

    struct UploadTarget {
        /// Where the file will live (the PFN as a fetchable URL).
        var url: String
        /// The protocol's prefix directory, below which missing WebDAV collections may be created.
        var prefixURL: String
    }

    /// The PFN for a new file: computed locally for the `hash`/`identity` algorithms (as the Rucio client does),
    /// asked from the server (`lfns2pfns`) for any other algorithm.
    func uploadTarget(_ did: DID, rse: RSEInfo) throws -> UploadTarget {
        let writable = rse.protocols
            .filter { StorageURL.readableSchemes.contains($0.scheme.lowercased()) && $0.wanWrite > 0 }
            .sorted { $0.wanWrite < $1.wanWrite }
        guard let proto = writable.first else {
            throw FSError.io("RSE \(rse.rse) offers no https/davs/http protocol for writing")
        }
        guard rse.deterministic else {
            logger.error("Rucio upload refused: non-deterministic RSEs need a PFN chosen by a site tool", metadata: ["rse": "\(rse.rse)"])
            throw FSError.unsupported
        }
        let prefixPFN = DeterministicPFN.pfn(scheme: proto.scheme, hostname: proto.hostname, port: proto.port,
                                             prefix: proto.prefix, scope: "", name: "", algorithm: .identity)
        let prefix = String(prefixPFN.dropLast(1)) // "…/prefix/" + "/" from the empty scope and name
        let pfn: String
        if let algorithm = DeterministicPFN.Algorithm(name: rse.lfn2pfnAlgorithm) {
            pfn = DeterministicPFN.pfn(scheme: proto.scheme, hostname: proto.hostname, port: proto.port,
                                       prefix: proto.prefix, scope: did.scope, name: did.name, algorithm: algorithm)
        } else {
            let answer = try api.decode([String: String].self, api.endpoints.lfns2pfns(rse: rse.rse, did: did, scheme: proto.scheme))
            guard let server = answer[did.description] else {
                throw FSError.io("lfns2pfns on \(rse.rse) gave no PFN for \(did)")
            }
            pfn = server
        }
        guard let url = StorageURL.httpURL(forPFN: pfn), let prefixURL = StorageURL.httpURL(forPFN: prefix) else {
            throw FSError.io("cannot write to PFN scheme of \(URLRedaction.redact(pfn))")
        }
        return UploadTarget(url: url, prefixURL: prefixURL)
    }

    /// PUT to `<url>.rucio.upload`, then MOVE into place (storage without MOVE gets a direct PUT instead), then
    /// check the stored size with HEAD. A 409 from PUT means missing WebDAV parent collections: MKCOL them once.
    private func putToStorage(_ file: URL, url: String, prefixURL: String, size: UInt64) throws {
        let temporary = url + ".rucio.upload"
        let put = HTTPRequest(method: .put, url: temporary, body: .file(file, contentType: "application/octet-stream"))
        do {
            _ = try storage.send(put)
        } catch HTTPError.status(code: 409, _) {
            try makeCollections(below: prefixURL, upTo: url)
            _ = try storage.send(put)
        }
        var move = HTTPRequest(method: HTTPMethod(rawValue: "MOVE"), url: temporary)
        move.headers.add("Destination", url)
        move.headers.add("Overwrite", "T")
        do {
            _ = try storage.send(move)
        } catch let error as HTTPError where [405, 501].contains(error.statusCode ?? 0) {
            _ = try storage.send(HTTPRequest(method: .put, url: url, body: .file(file, contentType: "application/octet-stream")))
            _ = try? storage.send(HTTPRequest(method: .delete, url: temporary))
        }
        let head = try storage.send(HTTPRequest(method: .head, url: url))
        if let stored = RucioTokenManager.header(head, "Content-Length").flatMap(UInt64.init), stored != size {
            throw FSError.io("storage holds \(stored) bytes after uploading \(size) to \(URLRedaction.redact(url))")
        }
    }

    private func makeCollections(below prefixURL: String, upTo url: String) throws {
        guard url.hasPrefix(prefixURL) else { return }
        let relative = url.dropFirst(prefixURL.count).split(separator: "/").dropLast()
        var current = prefixURL.hasSuffix("/") ? prefixURL : prefixURL + "/"
        for component in relative {
            current += component + "/"
            do {
                _ = try storage.send(HTTPRequest(method: HTTPMethod(rawValue: "MKCOL"), url: current))
            } catch let error as HTTPError where [405, 409].contains(error.statusCode ?? 0) {
                // 405: it exists already.
            }
        }
    }

    // MARK: mkdir, delete, rename

    /// `mkdir` directly under a scope or inside a container creates a DATASET — or a CONTAINER when the name ends
    /// with `containerSuffix` — and attaches it to the container. Datasets hold only files, and scopes are made
    /// by administrators, so those refuse with EACCES.
    public func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("mkdir", path) {
            let location = try RucioLocation(path)
            let did: DID
            let container: DID?
            switch location {
            case .root:
                throw FSError.exists
            case .scope(let scope):
                if try scopes().contains(scope) { throw FSError.exists }
                logger.error("Rucio scopes are created by administrators, not through the mount", metadata: ["source": "\(name)", "scope": "\(scope)"])
                throw FSError.permissionDenied
            case .did(let new, .scope(let scope)):
                guard new.scope == scope else {
                    throw FSError.invalidArgument("a new DID under scope \(scope) must not name another scope")
                }
                did = new
                container = nil
            case .did(let new, .collection(let parent)):
                let record = try record(parent, at: path.parent, fresh: true)
                guard record.type == .container else {
                    logger.error("Rucio datasets hold only files; mkdir needs a scope or container", metadata: [
                        "source": "\(name)", "path": "\(path)", "parent": "\(parent)"])
                    throw FSError.permissionDenied
                }
                did = new
                container = parent
            }
            let type: DIDType = configuration.containerSuffix.map { !$0.isEmpty && did.name.hasSuffix($0) } == true
                ? .container : .dataset
            var rules: [NewCollection.Rule]?
            if type == .dataset, let rse = configuration.uploadRSE, let account = api.tokens.account {
                // As `rucio upload` creates its datasets: one copy on the upload RSE, so uploaded files are kept.
                rules = [.init(account: account, copies: 1, rse_expression: rse, grouping: "DATASET")]
            }
            _ = try api.send(.post, api.endpoints.did(did), json: NewCollection(type: type.rawValue, rules: rules))
            if let container { try attach(did, to: container) }
            forgetCollection(at: path.parent)
            logger.info("created a Rucio \(type.rawValue.lowercased())", metadata: ["source": "\(name)", "did": "\(did)"])
            return RucioAttributes.make(DIDRecord(scope: did.scope, name: did.name, type: type, open: true),
                                        parentDatasetOpen: nil, fallbackDate: Date())
        }
    }

    /// Rucio deletes data through rule expiry and lifetimes, by its own daemons: there is no user-level delete.
    public func delete(_ path: RemotePath, kind: NodeKind) throws {
        logger.info("Rucio has no delete; use rules/lifetimes (rucio delete-rule)", metadata: ["source": "\(name)", "path": "\(path)"])
        throw FSError.permissionDenied
    }

    /// DIDs are immutable names: Rucio has no rename.
    public func rename(_ from: RemotePath, to: RemotePath) throws {
        throw FSError.unsupported
    }
}
