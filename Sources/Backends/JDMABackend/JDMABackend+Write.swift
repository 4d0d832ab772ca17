import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// Copies in become PUT batches. `mkdir <ws>/<label>` records a local batch; files copied into it are copied
/// durably into `<staging>/put/<ws>/<label>/…` and listed in the manifest; the batch is sealed by
/// `setfattr -n user.jdma.submit` on its directory (or after the quiet period) and submitted as ONE
/// `upload_files` PUT listing every staged file. The staged files stay until the PUT completes (JDMA reads them
/// asynchronously), and they stay after a refused submit (quota) so it can be retried.
extension JDMABackend {
    public static let submitAttribute = "user.jdma.submit"

    // MARK: Local batches

    /// An unsubmitted local batch.
    func pendingBatch(workspace: String, label: String) -> PendingBatch? {
        puts.batches.first { $0.workspace == workspace && $0.label == label && !$0.isSubmitted }
    }

    func pendingBatches(workspace: String) -> [PendingBatch] {
        puts.batches.filter { $0.workspace == workspace && !$0.isSubmitted }
    }

    func putFile(workspace: String, label: String, relative: String) -> URL {
        puts.fileURL(workspace: workspace, label: label, relative: relative)
    }

    /// A staged file of a batch this daemon submitted and whose PUT has not completed.
    func submittedPutFile(batchID: Int, relative: String) -> URL? {
        guard let batch = puts.batches.first(where: { $0.batchID == batchID }), batch.files[relative] != nil else { return nil }
        let url = putFile(workspace: batch.workspace, label: batch.label, relative: relative)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    func pendingStat(_ batch: PendingBatch, inside: [String]) throws -> RemoteAttributes {
        let relative = inside.joined(separator: "/")
        if let size = batch.files[relative] {
            return RemoteAttributes(kind: .file, size: size, mtime: batch.lastChange, permissions: 0o644,
                                    xattrs: ["user.jdma.stage": "LOCAL"])
        }
        guard relative.isEmpty || batch.directories.contains(relative) else { throw FSError.notFound }
        var attributes = RemoteAttributes.directory(mtime: batch.lastChange)
        attributes.xattrs = ["user.jdma.stage": "LOCAL"]
        return attributes
    }

    func pendingList(_ batch: PendingBatch, inside: [String]) throws -> [RemoteEntry] {
        let relative = inside.joined(separator: "/")
        guard relative.isEmpty || batch.directories.contains(relative) else {
            throw batch.files[relative] != nil ? FSError.notDirectory : FSError.notFound
        }
        let prefix = relative.isEmpty ? "" : relative + "/"
        var entries: [RemoteEntry] = []
        for directory in batch.directories where directory.hasPrefix(prefix) {
            let rest = directory.dropFirst(prefix.count)
            if !rest.isEmpty, !rest.contains("/") {
                entries.append(RemoteEntry(name: String(rest), attributes: try pendingStat(batch, inside: directory.split(separator: "/").map(String.init))))
            }
        }
        for (path, size) in batch.files where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            if !rest.contains("/") {
                entries.append(RemoteEntry(name: String(rest), attributes: RemoteAttributes(
                    kind: .file, size: size, mtime: batch.lastChange, permissions: 0o644, xattrs: ["user.jdma.stage": "LOCAL"])))
            }
        }
        return entries.sorted { $0.name < $1.name }
    }

    // MARK: Backend writes

    public func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("mkdir", path) {
            switch JDMALocation(path) {
            case .root, .workspace:
                // Workspaces are JDMA group workspaces, configured on the server.
                throw FSError.permissionDenied
            case .batch(let workspace, let label, let inside) where inside.isEmpty:
                guard try workspaces().contains(workspace) else { throw FSError.notFound }
                guard BatchNaming.isLegalNewLabel(label) else { throw FSError.invalidArgument("illegal batch label \(label)") }
                guard try batchNames(workspace: workspace)[label] == nil else { throw FSError.exists }
                let now = Date()
                try puts.modify { manifest in
                    guard manifest.index(workspace: workspace, label: label) == nil else { throw FSError.exists }
                    try FileManager.default.createDirectory(at: puts.batchDirectory(workspace: workspace, label: label),
                                                            withIntermediateDirectories: true)
                    manifest.batches.append(PendingBatch(workspace: workspace, label: label, createdAt: now, lastChange: now))
                }
                logger.info("JDMA batch started", metadata: ["source": "\(name)", "workspace": "\(workspace)", "label": "\(label)"])
                return .directory(mtime: now)
            case .batch(let workspace, let label, let inside):
                let relative = inside.joined(separator: "/")
                try modifyPending(workspace: workspace, label: label) { batch in
                    guard batch.files[relative] == nil, !batch.directories.contains(relative) else { throw FSError.exists }
                    try FileManager.default.createDirectory(at: putFile(workspace: workspace, label: label, relative: relative),
                                                            withIntermediateDirectories: true)
                    batch.directories.formUnion(Self.ancestors(of: inside))
                }
                return .directory(mtime: Date())
            }
        }
    }

    public func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("upload", path) {
            guard case .batch(let workspace, let label, let inside) = JDMALocation(path), !inside.isEmpty else {
                throw FSError.permissionDenied
            }
            let relative = inside.joined(separator: "/")
            var size: UInt64 = 0
            try modifyPending(workspace: workspace, label: label) { batch in
                guard !batch.directories.contains(relative) else { throw FSError.isDirectory }
                let destination = putFile(workspace: workspace, label: label, relative: relative)
                try DurableFiles.copy(localFile, to: destination)
                let attributes = try FileManager.default.attributesOfItem(atPath: destination.path)
                size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
                batch.files[relative] = size
                batch.directories.formUnion(Self.ancestors(of: Array(inside.dropLast())))
            }
            return RemoteAttributes(kind: .file, size: size, mtime: Date(), permissions: 0o644, xattrs: ["user.jdma.stage": "LOCAL"])
        }
    }

    public func delete(_ path: RemotePath, kind: NodeKind) throws {
        try mapErrors("delete", path) {
            guard case .batch(let workspace, let label, let inside) = JDMALocation(path) else { throw FSError.permissionDenied }
            guard pendingBatch(workspace: workspace, label: label) != nil else {
                return try deleteStored(workspace: workspace, label: label, inside: inside, kind: kind)
            }
            if inside.isEmpty {
                try puts.modify { manifest in
                    guard let index = manifest.index(workspace: workspace, label: label) else { throw FSError.notFound }
                    guard manifest.batches[index].files.isEmpty, manifest.batches[index].directories.isEmpty else {
                        throw FSError.notEmpty
                    }
                    manifest.batches.remove(at: index)
                }
                try? FileManager.default.removeItem(at: puts.batchDirectory(workspace: workspace, label: label))
                return
            }
            let relative = inside.joined(separator: "/")
            try modifyPending(workspace: workspace, label: label) { batch in
                switch kind {
                case .file:
                    guard batch.files.removeValue(forKey: relative) != nil else { throw FSError.notFound }
                case .directory:
                    guard batch.directories.contains(relative) else { throw FSError.notFound }
                    let prefix = relative + "/"
                    guard !batch.files.keys.contains(where: { $0.hasPrefix(prefix) }),
                          !batch.directories.contains(where: { $0.hasPrefix(prefix) }) else { throw FSError.notEmpty }
                    batch.directories.remove(relative)
                }
                try? FileManager.default.removeItem(at: putFile(workspace: workspace, label: label, relative: relative))
            }
        }
    }

    /// Renames a batch directory — a local batch's label, or a JDMA batch's label (`modify_batch`) — or moves a
    /// file within a local batch. Files of JDMA batches cannot move (batches are immutable).
    public func rename(_ from: RemotePath, to: RemotePath) throws {
        try mapErrors("rename", from) {
            guard case .batch(let workspace, let label, let inside) = JDMALocation(from),
                  case .batch(let toWorkspace, let toLabel, let toInside) = JDMALocation(to) else { throw FSError.permissionDenied }
            guard toWorkspace == workspace else { throw FSError.crossDevice }
            guard pendingBatch(workspace: workspace, label: label) != nil else {
                guard inside.isEmpty, toInside.isEmpty else { throw FSError.permissionDenied }
                try relabelRemoteBatch(workspace: workspace, name: label, newLabel: toLabel)
                return
            }
            if inside.isEmpty, toInside.isEmpty {
                guard BatchNaming.isLegalNewLabel(toLabel) else { throw FSError.invalidArgument("illegal batch label \(toLabel)") }
                guard try batchNames(workspace: workspace)[toLabel] == nil else { throw FSError.exists }
                try puts.modify { manifest in
                    guard let index = manifest.index(workspace: workspace, label: label) else { throw FSError.notFound }
                    guard manifest.index(workspace: workspace, label: toLabel) == nil else { throw FSError.exists }
                    try FileManager.default.moveItem(at: puts.batchDirectory(workspace: workspace, label: label),
                                                     to: puts.batchDirectory(workspace: workspace, label: toLabel))
                    manifest.batches[index].label = toLabel
                    manifest.batches[index].lastChange = Date()
                }
                return
            }
            guard toLabel == label, !inside.isEmpty, !toInside.isEmpty else { throw FSError.crossDevice }
            let source = inside.joined(separator: "/"), destination = toInside.joined(separator: "/")
            try modifyPending(workspace: workspace, label: label) { batch in
                guard let size = batch.files[source] else { throw FSError.unsupported } // directory moves: not supported
                try FileManager.default.createDirectory(at: putFile(workspace: workspace, label: label, relative: destination)
                                                            .deletingLastPathComponent(), withIntermediateDirectories: true)
                guard Glibc.rename(putFile(workspace: workspace, label: label, relative: source).path,
                                   putFile(workspace: workspace, label: label, relative: destination).path) == 0 else {
                    throw FSError.fromErrno(errno)
                }
                batch.files[source] = nil
                batch.files[destination] = size
                batch.directories.formUnion(Self.ancestors(of: Array(toInside.dropLast())))
            }
        }
    }

    /// `mv <ws>/<old> <ws>/<new>` of a batch on JDMA: `modify_batch` sets the new label.
    private func relabelRemoteBatch(workspace: String, name: String, newLabel: String) throws {
        let record = try resolveRemoteBatch(workspace: workspace, name: name)
        guard BatchNaming.isLegalNewLabel(newLabel) else { throw FSError.invalidArgument("illegal batch label \(newLabel)") }
        guard try batchNames(workspace: workspace)[newLabel] == nil, pendingBatch(workspace: workspace, label: newLabel) == nil else {
            throw FSError.exists
        }
        try client.modifyBatch(batchID: record.id, label: newLabel)
        forgetBatchList()
        logger.info("JDMA batch relabelled", metadata: ["source": "\(self.name)", "batch": "\(record.id)", "label": "\(newLabel)"])
    }

    /// Changes one unsubmitted local batch in the manifest (and stamps its last change). No local batch of that
    /// name: EACCES when it names a stored batch (immutable), else ENOENT. That is decided after the manifest's lock
    /// is released, since naming stored batches reads the manifest again (its lock is not recursive).
    private func modifyPending(workspace: String, label: String, _ body: (inout PendingBatch) throws -> Void) throws {
        var isLocal = true
        try puts.modify { manifest in
            guard let index = manifest.index(workspace: workspace, label: label), !manifest.batches[index].isSubmitted else {
                isLocal = false
                return
            }
            try body(&manifest.batches[index])
            manifest.batches[index].lastChange = Date()
            manifest.batches[index].lastError = nil // new content: the quiet-period submit may try again
        }
        guard isLocal else {
            throw (try? batchNames(workspace: workspace)[label]) != nil ? FSError.permissionDenied : FSError.notFound
        }
    }

    /// `a/b/c` → `a`, `a/b`, `a/b/c`.
    static func ancestors(of components: [String]) -> Set<String> {
        Set((0..<components.count).map { components[0...$0].joined(separator: "/") })
    }

    // MARK: Submit

    /// Seals a local batch: ONE `upload_files` PUT listing every staged file. Quota refusals throw
    /// `.quotaExceeded` and leave the batch and its files as they were, so a later submit can retry.
    public func submit(workspace: String, label: String) throws {
        try mapErrors("submit", RemotePath([workspace, label])) { try submitBatch(workspace: workspace, label: label) }
    }

    private func submitBatch(workspace: String, label: String) throws {
        let key = workspace + "/" + label
        guard puts.beginSubmit(key) else { return }
        defer { puts.endSubmit(key) }
        guard let batch = pendingBatch(workspace: workspace, label: label) else { throw FSError.notFound }
        guard !batch.files.isEmpty else { throw FSError.invalidArgument("batch \(key) holds no files to submit") }
        let filelist = batch.files.keys.sorted().map { putFile(workspace: workspace, label: label, relative: $0).path }
        let record: JDMARequestRecord
        do {
            if batch.submitStartedAt != nil, let earlier = try requestSentBefore(workspace: workspace, label: label, filelist: filelist) {
                logger.info("JDMA PUT found on the server from before a restart; following it",
                            metadata: ["source": "\(name)", "batch": "\(key)", "request": "\(earlier.id)"])
                record = earlier
            } else {
                try puts.modify { manifest in
                    if let index = manifest.index(workspace: workspace, label: label) { manifest.batches[index].submitStartedAt = Date() }
                }
                record = try client.uploadFiles(workspace: workspace, label: label, filelist: filelist, storage: configuration.storage)
            }
        } catch {
            let why = JDMAErrorMapping.serverMessage(error) ?? "\(error)"
            try? puts.modify { manifest in
                if let index = manifest.index(workspace: workspace, label: label) { manifest.batches[index].lastError = why }
            }
            logger.error("JDMA PUT refused; staged files kept", metadata: ["source": "\(name)", "batch": "\(key)", "why": "\(why)"])
            throw error
        }
        try puts.modify { manifest in
            guard let index = manifest.index(workspace: workspace, label: label) else { return }
            manifest.batches[index].requestID = record.id
            manifest.batches[index].batchID = record.batchID
            manifest.batches[index].lastError = nil
        }
        logger.info("JDMA PUT submitted", metadata: ["source": "\(name)", "batch": "\(key)", "request": "\(record.id)",
                                                     "files": "\(filelist.count)"])
        forgetBatchList()
        if let jobs = jobsSlot.jobs, let sent = puts.batches.first(where: { $0.requestID == record.id }) {
            jobs.track(JDMARequests.jobID(.put, record.id), files: [putJobFile(sent)])
        } else {
            logger.warning("JDMA PUT not followed: no job journal; its staged files stay until a mount follows it",
                           metadata: ["source": "\(name)", "request": "\(record.id)"])
        }
    }

    /// The one file of a PUT job: the batch directory, from its staged copy to JDMA.
    func putJobFile(_ batch: PendingBatch) -> TrackedTransferFile {
        let directory = TransferPlanner.mountPath(source: name, RemotePath([batch.workspace, batch.label]))
        return TrackedTransferFile(sourcePath: directory, destinationPath: directory,
                                   sourceURL: puts.batchDirectory(workspace: batch.workspace, label: batch.label).path,
                                   destinationURL: batch.batchID.map(JDMARequests.batchURL) ?? "jdma-batch:?",
                                   size: batch.files.values.reduce(0, +), adler32: nil)
    }

    /// The PUT request a previous daemon sent for this batch and died before recording, if the server has one:
    /// same workspace and label, and the same staged files.
    private func requestSentBefore(workspace: String, label: String, filelist: [String]) throws -> JDMARequestRecord? {
        let wanted = Set(filelist)
        // The list form names each request's batch label and workspace; only the single form has its filelist.
        for candidate in try client.requests().reversed() where candidate.workspace == workspace && candidate.label == label {
            let full = try client.request(id: candidate.id)
            if full.filelist.map(Set.init) ?? wanted == wanted { return full }
        }
        return nil
    }

    /// A PUT ended: on PUT_COMPLETED the staged copies are removed (the batch is on storage); otherwise they stay.
    func putEnded(_ job: TrackedJob, requestID: Int) {
        forgetBatchList()
        guard job.state == .finished else {
            logger.error("JDMA PUT failed; staged files kept", metadata: ["source": "\(name)", "request": "\(requestID)",
                                                                         "why": "\(job.reason ?? job.state.rawValue)"])
            return
        }
        let sent = puts.batches.first { $0.requestID == requestID }
        if let sent { facts.remove(BatchFiles.self, at: RemotePath([sent.workspace, sent.label])) }
        try? puts.modify { manifest in manifest.batches.removeAll { $0.requestID == requestID } }
        if let sent { try? FileManager.default.removeItem(at: puts.batchDirectory(workspace: sent.workspace, label: sent.label)) }
        logger.info("JDMA PUT completed", metadata: ["source": "\(name)", "request": "\(requestID)"])
    }

    /// The tracker's report on any of this source's requests.
    func requestEnded(_ job: TrackedJob) {
        guard let (kind, requestID) = JDMARequests.parse(job.jobID) else { return }
        switch kind {
        case JDMAStages.RequestKind.get.name: retrievalEnded(job, requestID: requestID)
        case JDMAStages.RequestKind.put.name: putEnded(job, requestID: requestID)
        default: forgetBatchList()
        }
    }

    /// A request moved on: the batch list (stages) is read again.
    func requestChanged(_ job: TrackedJob) {
        if JDMARequests.parse(job.jobID)?.kind != JDMAStages.RequestKind.get.name { forgetBatchList() }
    }

    /// Submits every unsubmitted batch that holds files and was left alone for the quiet period.
    public func submitQuietBatches(now: Date = Date()) {
        guard let quiet = configuration.quietPeriod else { return }
        for batch in puts.batches where !batch.isSubmitted && !batch.files.isEmpty && batch.lastError == nil
            && now.timeIntervalSince(batch.lastChange) >= quiet {
            do {
                try submit(workspace: batch.workspace, label: batch.label)
            } catch {
                logger.warning("JDMA quiet-period submit failed", metadata: ["source": "\(name)",
                    "batch": "\(batch.workspace)/\(batch.label)", "why": "\(error)"])
            }
        }
    }

    /// Starts the quiet-period timer (which also submits batches whose submit was interrupted by a restart). PUTs
    /// in flight are followed by the Core's tracker (`attach(_ jobs:)`).
    func startQuietTimer() {
        if let quiet = configuration.quietPeriod {
            quietTimer.set(RepeatingTimer(interval: max(0.5, min(quiet / 2, 5)), label: "jdma-quiet-\(name)") { [weak self] in
                self?.submitQuietBatches()
            })
        }
    }
}

extension JDMABackend {
    /// `rm -r` of a stored batch. JDMA deletes whole batches only: with `allowBatchDelete`, each unlink inside the
    /// batch hides the entry, and removing the (then empty) batch directory sends ONE `delete_batch` request.
    /// Without the setting every removal is EACCES with a log line naming it.
    func deleteStored(workspace: String, label: String, inside: [String], kind: NodeKind) throws {
        guard configuration.allowBatchDelete else {
            logger.info("refusing to delete from a stored JDMA batch; set allow_batch_delete = true to let rm -r delete batches",
                        metadata: ["source": "\(name)", "batch": "\(workspace)/\(label)"])
            throw FSError.permissionDenied
        }
        let record = try resolveRemoteBatch(workspace: workspace, name: label)
        let tree = try self.tree(of: record, named: label)
        let relative = inside.joined(separator: "/")
        let remaining = tree.files.keys.filter { !removals.isMarked(batch: record.id, $0) }
        if !relative.isEmpty {
            if kind == .directory, remaining.contains(where: { $0.hasPrefix(relative + "/") }) { throw FSError.notEmpty }
            guard tree.files[relative] != nil || tree.directories.contains(relative) else { throw FSError.notFound }
            removals.mark(batch: record.id, relative)
            return
        }
        guard remaining.isEmpty else { throw FSError.notEmpty }
        let request = try client.deleteBatch(batchID: record.id, storage: record.storage ?? configuration.storage)
        let directory = TransferPlanner.mountPath(source: name, RemotePath([workspace, label]))
        jobsSlot.jobs?.track(JDMARequests.jobID(.delete, request.id), files: [TrackedTransferFile(
            sourcePath: directory, destinationPath: directory, sourceURL: JDMARequests.batchURL(record.id),
            destinationURL: JDMARequests.batchURL(record.id), size: nil, adler32: nil)])
        logger.notice("JDMA delete_batch submitted", metadata: ["source": "\(name)", "batch": "\(record.id)", "request": "\(request.id)"])
        removals.clear(batch: record.id)
        forgetBatchList()
    }
}
