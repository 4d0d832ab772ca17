import Foundation
import Logging
import SciencefsCore
import SciencefsFuse
import SciencefsStore

/// Mount-time choices that come from the command line rather than the config file.
struct MountSettings {
    var readOnly = false
    var allowOther = false
    var uid: UInt32?
    var gid: UInt32?
}

/// Assembles store, data cache, backends and VFS for one mountpoint and serves it until unmounted.
struct MountRunner {
    let identity: MountIdentity
    let config: MountConfiguration
    let configFile: String
    let settings: MountSettings
    let logger: Logger

    /// Blocks until the filesystem is unmounted.
    /// A mount that cannot be made throws a `MountProblem` (cause and fix) before any service is contacted.
    func run() throws {
        if let problem = MountPreflight.problem(mountpoint: identity.mountpoint, allowOther: settings.allowOther) {
            throw problem
        }
        if let warning = ConfigFileCheck.warning(for: URL(fileURLWithPath: configFile), config) {
            logger.warning("\(warning)")
        }
        let root = config.cacheRoot
        let cacheDirectory = identity.cacheDirectory(root: root)
        let store = try MetadataStore(directory: cacheDirectory)
        let capacity = UInt64(max(64, config.dataCacheSizeMB ?? 4096)) << 20
        let dataCache = try DataCache(directory: cacheDirectory.appendingPathComponent("data"),
                                      capacityBytes: capacity, store: store)
        let backends = try BackendFactory.make(config.sources, logger: logger)
        var options = VFSOptions(readOnly: settings.readOnly)
        if let budget = config.readaheadBudgetMB { options.readaheadBudget = UInt64(budget) << 20 }
        options.offlineModes = try OfflineAndProxySettings.offlineModes(config.sources)
        if let uid = settings.uid { options.uid = uid }
        if let gid = settings.gid { options.gid = gid }
        // Every server-side job of the mount (FTS3 copies, Agave imports, JDMA requests) is journaled and followed here.
        let tracker = TransferTracker(store: store, policy: BackendFactory.pollPolicy(config.fts3), logger: logger)
        if let service = try BackendFactory.makeTransferService(config.fts3, logger: logger) {
            try tracker.register(copies: service)
        }
        let vfs = try VFS(backends: backends, store: store, dataCache: dataCache,
                          stagingDirectory: cacheDirectory.appendingPathComponent("staging"),
                          options: options, transfers: tracker, logger: logger)
        var fuseOptions = FuseMount.Options()
        fuseOptions.readOnly = settings.readOnly
        fuseOptions.allowOther = settings.allowOther
        fuseOptions.fsName = "sciencefs"
        fuseOptions.timeouts = FuseTimeouts(entry: config.entryTimeout?.value ?? 30, attribute: config.attrTimeout?.value ?? 30)
        let mount = FuseMount(vfs: vfs, options: fuseOptions, logger: logger)

        let record = MountRecord(mountpoint: identity.mountpoint, pid: getpid(), cacheDirectory: cacheDirectory.path,
                                 configFile: configFile, startedAt: Date())
        let statusWriter = StatusWriter(vfs: vfs, url: cacheDirectory.appendingPathComponent("status.json"))
        let unfinished = vfs.unfinishedUploads()
        try mount.run(mountpoint: identity.mountpoint) {
            do { try MountRegistry.write(record, id: identity.id, root: root) } catch {
                logger.warning("cannot write mount registry", metadata: ["error": "\(error)"])
            }
            statusWriter.start()
            // Uploads a previous run accepted but did not finish go out now, in the background.
            if !unfinished.isEmpty { DispatchQueue.global().async { vfs.resume(unfinished) } }
            // Server-side jobs still running (this run's, a previous run's, `sciencefs cp`'s) are followed to their end.
            tracker.startMonitoring { [vfs] job in vfs.transferEnded(job) }
        }
        tracker.stopMonitoring()
        if !vfs.drain(timeout: 600) {
            logger.error("unmounted with uploads still running; they resume from the journal at the next mount")
        }
        statusWriter.stop()
        try? dataCache.close()
        MountRegistry.remove(id: identity.id, root: root)
    }
}

/// Publishes the VFS's status figures to a JSON file every few seconds, for `sciencefs status`.
///
/// The timer exists only between `start()` and `stop()`: libdispatch traps (SIGILL) when a timer source that was
/// never resumed is released, which is what a mount that failed before `start()` used to do in `deinit`.
///
/// `@unchecked Sendable` because `lock` guards `timer` and `writing` guards `lastWritten`; `vfs` and `url` are `let`.
final class StatusWriter: @unchecked Sendable {
    private let vfs: VFS
    private let url: URL
    private let lock = NSLock()
    private var timer: DispatchSourceTimer?
    /// Held for a whole `write`, so the timer's last write and `stop`'s never share the temporary file. Never
    /// held with `lock`.
    private let writing = NSLock()
    /// What the file holds now (nil before the first write).
    private var lastWritten: Data?

    init(vfs: VFS, url: URL) {
        self.vfs = vfs
        self.url = url
    }

    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now(), repeating: .seconds(2))
        timer.setEventHandler { [weak self] in self?.write() }
        timer.resume()
        self.timer = timer
    }

    /// Stops the timer (if it ever started) and writes the final figures.
    func stop() {
        lock.lock()
        let timer = self.timer
        self.timer = nil
        lock.unlock()
        timer?.cancel()
        write()
    }

    /// Writes the figures when they changed since the last write (or the file went). A temporary file renamed over the old one, so a
    /// reader never sees half a file; not fsync'ed: the file is a report rebuilt every two seconds, and Foundation's
    /// `.atomic` write would force a journal commit on the cache's disk every time, in the middle of the reads it
    /// reports on.
    private func write() {
        writing.lock()
        defer { writing.unlock() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(vfs.status()) else { return }
        if data == lastWritten, access(url.path, F_OK) == 0 { return }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).new")
        // Plain POSIX calls: Foundation's `Data.write(to:)` fsyncs on Linux even without `.atomic`.
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == data.count, rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            return
        }
        lastWritten = data
    }
}
