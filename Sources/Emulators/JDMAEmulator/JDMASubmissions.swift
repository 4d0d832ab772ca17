import Foundation

/// The checks and bookkeeping of `POST api/v1/request` (PUT/MIGRATE, GET, DELETE) and `PUT api/v1/migration/`,
/// with the real server's statuses and messages. Call with the lock held.
extension JDMAServerState {
    /// Accepts a PUT/MIGRATE: expands directories, checks paths, duplicates and quota, copies the files into the
    /// store (the emulator reads the shared disk at submission so the digests are known at once), and creates
    /// the batch (ON_DISK) and its request (PUT_START).
    func submitPut(user: String, workspace: String?, filelist: [String], label: String?, storage: String?,
                   type: JDMARequestType) throws -> (JDMARequest, JDMABatch) {
        guard let workspace, !workspace.isEmpty else { throw JDMAError("No workspace supplied") }
        guard let space = workspaces[workspace], space.members.contains(user) else {
            throw JDMAError.forbidden("User does not have write permissions or the workspace does not exist for external storage: \(workspace)")
        }
        guard let storage, !storage.isEmpty else { throw JDMAError("External storage not specified in PUT / MIGRATE request") }
        guard storageBackends.contains(where: { $0.id == storage }) else { throw JDMAError("Invalid storage backend: \(storage)") }
        guard let quota = space.quota[storage] else {
            throw JDMAError("Workspace has no associated groupworkspace quota set for external storage: \(storage)")
        }
        guard !filelist.isEmpty else { throw JDMAError("Filelist is empty") }

        var sources: [String] = []
        for path in filelist {
            let standard = URL(fileURLWithPath: path).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard path.hasPrefix("/"), FileManager.default.fileExists(atPath: standard, isDirectory: &isDirectory) else {
                throw JDMAError("Path \(path) does not exist")
            }
            sources += isDirectory.boolValue ? try Self.regularFiles(under: standard) : [standard]
        }
        guard !sources.isEmpty else { throw JDMAError("Filelist contains no files") }
        let inBatches = Set(batches.values.filter { ![.deleted, .failed].contains($0.stage) }.flatMap { $0.files.map(\.originalPath) })
        if let taken = sources.first(where: inBatches.contains) {
            throw JDMAError.forbidden("Filelist or directory is already in a batch: \(taken)")
        }
        let total = try sources.reduce(Int64(0)) { sum, path in
            sum + ((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
        }
        let used = space.used[storage] ?? 0
        guard used + total <= quota else {
            throw JDMAError.forbidden("User has insufficient quota remaining for workspace: \(workspace) for external storage: \(storage). Quota: \(quota), used: \(used), requested: \(total)",
                                      echo: [("workspace", .string(workspace)), ("storage", .string(storage))])
        }

        let batchID = makeID("batch")
        let common = Self.commonDirectory(of: sources)
        var files: [JDMABatchFile] = []
        do {
            for source in sources {
                let relative = String(source.dropFirst(common.count))
                let copied = try store.ingest(from: URL(fileURLWithPath: source), batch: batchID, relativePath: relative)
                files.append(JDMABatchFile(pk: makeID("file"), originalPath: source, relativePath: relative,
                                           size: copied.size, digest: copied.digest))
            }
        } catch {
            store.remove(batch: batchID)
            throw JDMAError.forbidden("User does not have read permission for file/directory: \(error)")
        }
        let defaultLabel = URL(fileURLWithPath: filelist[0]).lastPathComponent
        let batch = JDMABatch(id: batchID, user: user, workspace: workspace,
                              label: (label?.isEmpty ?? true) ? defaultLabel : (label ?? defaultLabel),
                              storage: storage, stage: .onDisk, externalID: nil, registeredDate: nil, commonPath: common,
                              files: files, archivePK: makeID("archive"))
        batches[batchID] = batch
        workspaces[workspace]?.used[storage] = used + total
        let now = Date()
        let request = JDMARequest(id: makeID("request"), user: user, type: type, batchID: batchID, stage: .putStart,
                                  date: now, filelist: filelist, targetPath: nil, failureReason: nil, dueAt: dueDate(from: now))
        requests[request.id] = request
        logger.info("JDMA PUT accepted", metadata: ["batch": "\(batchID)", "request": "\(request.id)", "files": "\(files.count)"])
        return (request, batch)
    }

    /// Accepts a GET of a whole batch or of the listed files (absolute original paths or paths relative to the
    /// batch's common path) into `targetPath`.
    func submitGet(user: String, batchID: Int?, filelist: [String]?, targetPath: String?) throws -> (JDMARequest, JDMABatch) {
        guard let batchID else { throw JDMAError("No batch id supplied") }
        guard let batch = batches[batchID], batch.stage != .deleted else { throw JDMAError("Batch not found: \(batchID)") }
        guard batch.user == user || isMember(user, of: batch.workspace) else {
            throw JDMAError.forbidden("User does not have permission to request batch: \(batchID)")
        }
        guard batch.stage == .onStorage else {
            throw JDMAError.forbidden("Batch stage is: \(batch.stage.name). Cannot retrieve (GET) until stage is ON_STORAGE")
        }
        guard let targetPath, !targetPath.isEmpty else { throw JDMAError("Target path not supplied") }
        let target = URL(fileURLWithPath: targetPath).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.deletingLastPathComponent().path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw JDMAError("Parent of target path does not exist: \(targetPath)")
        }
        guard FileManager.default.isWritableFile(atPath: target.deletingLastPathComponent().path) else {
            throw JDMAError.forbidden("User does not have write permission to the directory: \(targetPath)")
        }
        if requests.values.contains(where: { $0.type == .get && $0.batchID == batchID && !$0.stage.isFinished }) {
            throw JDMAError.forbidden("Duplicate GET request made for batch: \(batchID)")
        }
        let relative: [String]
        if let filelist, !filelist.isEmpty {
            relative = batch.files.filter { filelist.contains($0.originalPath) || filelist.contains($0.relativePath) }.map(\.relativePath)
            guard !relative.isEmpty else { throw JDMAError("Requested file list contains zero files that belong to batch: \(batchID)") }
        } else {
            relative = batch.files.map(\.relativePath)
        }
        let now = Date()
        let request = JDMARequest(id: makeID("request"), user: user, type: .get, batchID: batchID, stage: .getStart,
                                  date: now, filelist: relative, targetPath: target.path, failureReason: nil,
                                  dueAt: dueDate(from: now))
        requests[request.id] = request
        logger.info("JDMA GET accepted", metadata: ["batch": "\(batchID)", "request": "\(request.id)", "files": "\(relative.count)"])
        return (request, batch)
    }

    func submitDelete(user: String, batchID: Int?) throws -> (JDMARequest, JDMABatch) {
        guard let batchID else { throw JDMAError("No batch id supplied") }
        guard var batch = batches[batchID], batch.stage != .deleted else { throw JDMAError("Batch not found: \(batchID)") }
        guard batch.user == user else { throw JDMAError.forbidden("User does not have permission to delete batch: \(batchID)") }
        if requests.values.contains(where: { $0.type == .delete && $0.batchID == batchID && !$0.stage.isFinished }) {
            throw JDMAError.forbidden("Duplicate DELETE request made for batch: \(batchID)")
        }
        batch.stage = .deleting
        batches[batchID] = batch
        let now = Date()
        let request = JDMARequest(id: makeID("request"), user: user, type: .delete, batchID: batchID, stage: .deleteStart,
                                  date: now, filelist: [], targetPath: nil, failureReason: nil, dueAt: dueDate(from: now))
        requests[request.id] = request
        return (request, batch)
    }

    func modifyLabel(user: String, batchID: Int?, label: String?) throws {
        guard let batchID else { throw JDMAError("No batch id supplied") }
        guard var batch = batches[batchID] else { throw JDMAError("Batch id not found: \(batchID)") }
        guard batch.user == user else { throw JDMAError.forbidden("Cannot edit this batch as you do not own it: \(batchID)") }
        guard let label, !label.isEmpty else { throw JDMAError("No label supplied.") }
        batch.label = label
        batches[batchID] = batch
    }

    /// Every regular file below `directory`, sorted (directories themselves are not batch members).
    static func regularFiles(under directory: String) throws -> [String] {
        let root = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            found.append(url.standardizedFileURL.path)
        }
        return found.sorted()
    }

    /// The longest directory prefix (ending in `/`) shared by all paths; for one file, its parent directory.
    static func commonDirectory(of paths: [String]) -> String {
        let split = paths.map { $0.split(separator: "/").dropLast().map(String.init) }
        guard var common = split.first else { return "/" }
        for parts in split.dropFirst() {
            common = Array(zip(common, parts).prefix { $0.0 == $0.1 }.map(\.0))
        }
        return "/" + common.map { $0 + "/" }.joined()
    }
}
