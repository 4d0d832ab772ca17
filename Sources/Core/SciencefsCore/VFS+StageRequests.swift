import Foundation

/// `sciencefs stage` / `setfattr -n user.sciencefs.stage -v 1 PATH`: make a file, or every file below a directory,
/// ready to read before a job reads it, each service its own way (`Backend.stage`): a Rucio replication rule, a JDMA
/// batch's GET request, or a prefetch into the data cache (`Stager`). Not to be confused with VFS+Staging, which
/// stages files being written. The work is asynchronous: the request returns once the jobs are started, and
/// `getfattr -n user.sciencefs.stage PATH` then names them (`<service>/<job id>` a line, or `ready`), as
/// `.sciencefs/transfers/` shows them.
extension VFS {
    public static let stageAttribute = "user.sciencefs.stage"
    /// A stage request larger than this is refused (EINVAL): stage a deeper directory, or several.
    static let stageFileLimit = 100_000

    /// `setfattr -n user.sciencefs.stage -v VALUE`: VALUE is `1` (stage where the source says, `stage_rse` for
    /// Rucio) or `rse=NAME` (a storage location to stage to, `--to`).
    func stage(_ ino: UInt64, value: [UInt8]) throws {
        let key = try key(for: ino)
        guard let source = key.source, source != ControlBackend.sourceName else { throw FSError.unsupported }
        let text = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let target: String?
        if text == "1" || text.isEmpty {
            target = nil
        } else if text.hasPrefix("rse="), text.count > 4 {
            target = String(text.dropFirst(4))
        } else {
            throw FSError.invalidArgument("user.sciencefs.stage takes 1 or rse=NAME, not \(text)")
        }
        let files = try filesToStage(at: key)
        let backend = try backend(for: key)
        let answer: StageAnswer
        do {
            answer = try backend.stage(key.path, files: files.map { StageFile(path: $0.path, attributes: $1) },
                                       target: target)
        } catch {
            throw logged(error, "stage", key)
        }
        var started: [JobKey] = []
        switch answer {
        case .ready: break
        case .jobs(let ids): started = ids.map { JobKey(service: source, jobID: $0) }
        case .prefetch:
            guard dataCache != nil else {
                throw FSError.invalidArgument("\(key): nothing to stage into: the mount keeps no data cache (data_cache_size_mb)")
            }
            started = prefetch(files).map { [$0] } ?? []
        }
        stager.remember(started, for: Self.mountPath(key))
        logger.info("stage requested", metadata: ["path": "\(key)", "files": "\(files.count)",
                                                  "jobs": "\(started.map(\.description).joined(separator: " "))"])
    }

    /// `getfattr -n user.sciencefs.stage`: what the last stage request of this path started.
    func stageAnswer(_ ino: UInt64) throws -> [UInt8] {
        let key = try key(for: ino)
        guard let answer = stager.answer(for: Self.mountPath(key)) else { throw FSError.noAttribute }
        return Array(answer.utf8)
    }

    /// The file at `key`, or every file below the directory at `key` (depth first, through the metadata cache).
    private func filesToStage(at key: NodeKey) throws -> [(NodeKey, RemoteAttributes)] {
        let attrs = try attributes(of: key)
        guard attrs.kind == .directory else { return [(key, attrs)] }
        var files: [(NodeKey, RemoteAttributes)] = []
        var directories = [key]
        while let directory = directories.popLast() {
            for entry in try listing(of: directory) {
                let child = directory.child(entry.name)
                switch entry.attributes.kind {
                case .directory: directories.append(child)
                case .file: files.append((child, entry.attributes))
                }
                if files.count > Self.stageFileLimit {
                    throw FSError.invalidArgument("more than \(Self.stageFileLimit) files below \(key); stage fewer at once")
                }
            }
        }
        return files
    }

    /// Starts a prefetch of what the data cache lacks of `files`; nil when it holds them all already (no request).
    private func prefetch(_ files: [(NodeKey, RemoteAttributes)]) -> JobKey? {
        var wanted: [PrefetchJob.File] = []
        for (key, attrs) in files {
            guard stagedFile(key) == nil, let object = cacheObject(for: key, attributes: attrs),
                  let backend = try? backend(for: key) else { continue }
            if object.cachedRun(at: 0, max: attrs.size) >= attrs.size { continue }
            let path = key.path
            wanted.append(PrefetchJob.File(mountPath: Self.mountPath(key), size: attrs.size, object: object) {
                start, length, sink in
                _ = try backend.read(path, offset: start, length: length, sink: sink)
            })
        }
        guard !wanted.isEmpty else { return nil }
        let id = stager.start(wanted)
        let key = JobKey(service: Stager.serviceName, jobID: id)
        transfers?.track(key, files: wanted.map {
            TrackedTransferFile(sourcePath: $0.mountPath, destinationPath: $0.mountPath, sourceURL: $0.mountPath,
                                destinationURL: "data cache", size: $0.size, adler32: nil)
        }, origin: "stage")
        return key
    }
}
