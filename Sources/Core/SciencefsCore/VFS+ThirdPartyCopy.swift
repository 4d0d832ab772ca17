import Foundation

/// Copies between two sources through a third-party copy service (FTS3): when the source file has a URL the service
/// can read and the destination a URL it can write, one job copies the bytes server to server, with the source's
/// Adler-32 and size so the service verifies them.
extension VFS {
    static func mountPath(_ key: NodeKey) -> String {
        TransferPlanner.mountPath(source: key.source ?? "", key.path)
    }

    static func nodeKey(mountPath: String) -> NodeKey {
        let components = mountPath.split(separator: "/").map(String.init)
        return NodeKey(source: components.first, path: RemotePath(Array(components.dropFirst())))
    }

    /// Submits one job copying `from` to `to` and waits for it. nil when no third-party path exists (no service
    /// configured, or either side has no transfer URL); a job that does not finish fails with `.io(reason)`.
    func thirdPartyCopy(from: NodeKey, attributes source: RemoteAttributes, to: NodeKey,
                        beforeSubmit: () -> Void) throws -> RemoteAttributes? {
        guard let transfers, transfers.copyService != nil else { return nil }
        let sourceBackend = try backend(for: from)
        let targetBackend = try backend(for: to)
        let planned: TrackedTransferFile?
        do {
            planned = try TransferPlanner.plan(source: sourceBackend, sourcePath: from.path, attributes: source,
                                               destination: targetBackend, destinationPath: to.path)
        } catch {
            throw logged(error, "transfer URL", from)
        }
        guard let file = planned else {
            logger.debug("copy_file_range: no transfer URL on one side; no third-party copy",
                         metadata: ["from": "\(from)", "to": "\(to)"])
            return nil
        }
        beforeSubmit()
        let jobID: String
        do { jobID = try transfers.submit([file], options: TransferOptions(overwrite: true), origin: "mount") } catch {
            throw logged(error, "submit transfer job", to)
        }
        let job: TrackedJob
        do { job = try transfers.wait(for: jobID) } catch { throw logged(error, "transfer job \(jobID)", to) }
        guard job.state == .finished else {
            throw FSError.io(FailureCause(chain: ["server-side copy from \(from)",
                                                  "\(job.service) job \(jobID) \(job.state)", job.failureSummary]))
        }
        if let stat = try? targetBackend.stat(to.path) { return stat }
        return RemoteAttributes(kind: .file, size: source.size, mtime: clock.now(), permissions: 0o644)
    }

    /// A job ended (here or in another process): what the mount shows of its destinations is stale.
    /// Besides each file and its directory, the directory above the job's common destination is dropped, so
    /// directories the job created (`sciencefs cp -r`) show up in listings cached before it ran.
    public func transferEnded(_ job: TrackedJob) {
        // A job that leaves its files where they are (a stage: a prefetch, a replication rule, a tape recall) changed
        // no listing or attribute: what is known about them stays true (a backend forgets its own facts, replicas).
        if job.files.allSatisfy({ $0.sourcePath == $0.destinationPath }) { return }
        var common: [String]?
        for file in job.files {
            let key = Self.nodeKey(mountPath: file.destinationPath)
            let parent = [key.source ?? ""] + key.path.parent.components
            common = common.map { zip($0, parent).prefix { $0 == $1 }.map(\.0) } ?? parent
            guard stagedFile(key) == nil else { continue }
            metadata.invalidate(key)
            metadata.invalidate(key.parent)
        }
        if let common, common.count > 3 {
            metadata.invalidate(Self.nodeKey(mountPath: common.dropLast().joined(separator: "/")))
        }
    }
}
