import Foundation

/// Extended attributes: what the backend reports about a node, plus sciencefs's own `user.sciencefs.*` names.
extension VFS {
    /// Names the kernel and `ls -l` ask about on every file (SELinux labels, POSIX ACLs, capabilities). sciencefs
    /// supports none of them, and says so with EOPNOTSUPP rather than ENODATA: `ls` then remembers that the
    /// filesystem has no ACLs or labels and stops asking, which saves two round trips per file in a large listing.
    private static func isSystemName(_ name: String) -> Bool {
        name.hasPrefix("security.") || name.hasPrefix("system.") || name.hasPrefix("trusted.")
    }

    public func getxattr(_ ino: UInt64, name: String) throws -> [UInt8] {
        if Self.isSystemName(name) { throw FSError.unsupported }
        if name == Self.stageAttribute { return try stageAnswer(ino) }
        let key = try key(for: ino)
        guard let value = try extendedAttributes(of: key)[name] else { throw FSError.noAttribute }
        return Array(value.utf8)
    }

    public func listxattr(_ ino: UInt64) throws -> [String] {
        let key = try key(for: ino)
        return try extendedAttributes(of: key).keys.sorted()
    }

    /// `user.sciencefs.refresh` drops cached metadata, `user.sciencefs.upload.{retry,discard}` act on kept uploads
    /// (see VFS+KeptUploads); any other name goes to the backend, which may act on it.
    public func setxattr(_ ino: UInt64, name: String, value: [UInt8]) throws {
        if name == "user.sciencefs.refresh" { return try refresh(ino) }
        if name == Self.stageAttribute { return try stage(ino, value: value) }
        if try handleUploadControl(ino, name: name, value: value) { return }
        if try handleCacheControl(ino, name: name, value: value) { return }
        if Self.isSystemName(name) { throw FSError.unsupported }
        let key = try key(for: ino)
        guard key.source != nil, !key.path.isRoot else { throw FSError.unsupported }
        let text = String(decoding: value, as: UTF8.self)
        do { try backend(for: key).setExtendedAttribute(of: key.path, name: name, value: text) } catch {
            throw logged(error, "setxattr \(name)", key)
        }
        metadata.invalidate(key)
    }

    /// Nothing the services report can be removed through the mount: ENODATA for a name that is not there,
    /// EPERM for one that is (the service owns it).
    public func removexattr(_ ino: UInt64, name: String) throws {
        if Self.isSystemName(name) { throw FSError.unsupported }
        let key = try key(for: ino)
        guard try extendedAttributes(of: key)[name] != nil else { throw FSError.noAttribute }
        throw FSError.notPermitted
    }

    private func extendedAttributes(of key: NodeKey) throws -> [String: String] {
        let attrs = try attributes(of: key)
        var all = attrs.xattrs
        if key.source != nil, !key.path.isRoot, stagedFile(key) == nil {
            all = try backendExtendedAttributes(of: key, attributes: attrs)
        }
        if let source = key.source {
            all["user.sciencefs.source"] = source
            if stagedFile(key) == nil {
                all.merge(verificationAttributes(key, attributes: attrs)) { _, ours in ours }
                all.merge(provenanceAttributes(key, attributes: attrs)) { _, ours in ours }
            }
            if let job = transfers?.job(writing: Self.mountPath(key)) {
                all["user.sciencefs.transfer_id"] = job.jobID
                all["user.sciencefs.transfer_state"] = job.state.rawValue
            }
            if attrs.kind == .file, let staged = stagedFile(key) {
                staged.lock.lock()
                all["user.sciencefs.upload"] = staged.dirty ? "pending" : staged.uploading ? "uploading" : "uploaded"
                staged.lock.unlock()
            }
        }
        return all
    }

    /// The backend's names for `key`, kept in the metadata cache for the attribute TTL: `getfattr -d` asks the
    /// kernel for the list and then for each name, and a backend may pay requests for each answer.
    private func backendExtendedAttributes(of key: NodeKey, attributes attrs: RemoteAttributes) throws -> [String: String] {
        let backend = try backend(for: key)
        let now = clock.now()
        let ttl = backend.cachePolicy(for: key.path).attributeTTL
        if let cached = metadata.fact(BackendXattrs.self, of: key, ttl: ttl, now: now) { return cached.values }
        let values: [String: String]
        let (answer, asOf) = AnswerTime.measure(asked: now) { try backend.extendedAttributes(of: key.path, attributes: attrs) }
        do { values = try answer.get() } catch {
            throw logged(error, "xattrs", key)
        }
        metadata.save(fact: BackendXattrs(values: values), of: key, now: asOf)
        return values
    }
}

/// A backend's answer to `extendedAttributes`, as the metadata cache keeps it.
private struct BackendXattrs: Sendable {
    var values: [String: String]
}
