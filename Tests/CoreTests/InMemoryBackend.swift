import Foundation
import SciencefsCore

/// A Backend kept in memory, counting calls, for unit tests of the VFS's own logic (caching, staging,
/// readahead). The real services are exercised by the backend and mount tests over HTTP.
final class InMemoryBackend: Backend, @unchecked Sendable {
    let name: String
    let cachePolicy: CachePolicy
    private let lock = NSLock()
    private var files: [String: Data] = [:]
    private var directories: Set<String> = ["/"]
    private(set) var calls: [String] = []
    /// When set, uploads fail with this error.
    var uploadError: FSError?
    /// Runs inside `upload`, before the bytes are stored (to look at the VFS while an upload is in flight).
    var duringUpload: (() -> Void)?
    /// The door to the VFS's job tracker, once attached.
    private(set) var jobs: ServerJobs?
    /// The "service's" jobs: job id → state, as the test moves them.
    let tapeJobs: MemoryJobs
    /// Paths whose data is "on tape": opening them with O_NONBLOCK gives EAGAIN.
    var onTape: Set<String> = []

    func attach(_ jobs: ServerJobs) {
        try? jobs.register(tapeJobs)
        lock.lock()
        self.jobs = jobs
        lock.unlock()
    }

    func prepareRead(_ path: RemotePath, attributes: RemoteAttributes, nonBlocking: Bool) throws {
        record("prepare \(path) \(nonBlocking)")
        lock.lock()
        let staged = !onTape.contains(path.string)
        lock.unlock()
        if !staged && nonBlocking { throw FSError.wouldBlock }
    }

    /// When set, every path has the transfer URL `<transferBase>/<path>` (a third-party copy service reaches it).
    var transferBase: String?

    func transferURL(of path: RemotePath) throws -> String? {
        transferBase.map { $0 + path.string }
    }

    /// Checksums the "service" publishes per path.
    var publishedChecksums: [String: [Checksum]] = [:]

    func checksums(of path: RemotePath, attributes: RemoteAttributes) -> [Checksum] {
        lock.lock()
        defer { lock.unlock() }
        return publishedChecksums[path.string] ?? []
    }

    /// Names `list` leaves out although `stat` finds them (as a Rucio scope lists only its top-level DIDs); the
    /// directories holding them declare their listings incomplete.
    var unlisted: Set<String> = []

    func listingIsComplete(_ path: RemotePath) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return !unlisted.contains { RemotePath(string: $0).parent == path }
    }

    /// One name per file, answered with a recorded call (a real backend pays requests for these).
    func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        record("xattrs \(path)")
        return attributes.xattrs.merging(["user.mem.size": String(attributes.size)]) { $1 }
    }

    init(name: String = "mem", policy: CachePolicy = CachePolicy(attributeTTL: 60, listingTTL: 60, negativeTTL: 10)) {
        self.name = name
        self.cachePolicy = policy
        self.tapeJobs = MemoryJobs(name: name)
    }

    func put(_ path: String, _ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        files[path] = data
        var parent = RemotePath(string: path).parent
        while !parent.isRoot {
            directories.insert(parent.string)
            parent = parent.parent
        }
    }

    func data(_ path: String) -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return files[path]
    }

    /// Bytes asked for by all `read` calls of `path` (lengths clamped to the file's size).
    func requestedBytes(_ path: String) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let size = UInt64(files[path]?.count ?? 0)
        return calls.filter { $0.hasPrefix("read \(path) ") }.reduce(0) { total, call in
            let range = call.split(separator: " ").last?.split(separator: "+").compactMap { UInt64($0) } ?? []
            guard range.count == 2, range[0] < size else { return total }
            return total + min(range[1], size - range[0])
        }
    }

    func count(_ prefix: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return calls.filter { $0.hasPrefix(prefix) }.count
    }

    private func record(_ call: String) {
        lock.lock()
        calls.append(call)
        lock.unlock()
    }

    func stat(_ path: RemotePath) throws -> RemoteAttributes {
        record("stat \(path)")
        lock.lock()
        defer { lock.unlock() }
        if let data = files[path.string] { return RemoteAttributes(kind: .file, size: UInt64(data.count)) }
        if directories.contains(path.string) { return .directory() }
        throw FSError.notFound
    }

    func list(_ path: RemotePath) throws -> [RemoteEntry] {
        record("list \(path)")
        lock.lock()
        defer { lock.unlock() }
        guard directories.contains(path.string) else { throw FSError.notFound }
        let prefix = path.isRoot ? "/" : path.string + "/"
        var entries: [RemoteEntry] = []
        for (p, data) in files where p.hasPrefix(prefix) && !p.dropFirst(prefix.count).contains("/") && !unlisted.contains(p) {
            entries.append(RemoteEntry(name: String(p.dropFirst(prefix.count)), attributes: RemoteAttributes(kind: .file, size: UInt64(data.count))))
        }
        for d in directories where d.hasPrefix(prefix) && d != prefix && !d.dropFirst(prefix.count).contains("/") {
            entries.append(RemoteEntry(name: String(d.dropFirst(prefix.count)), attributes: .directory()))
        }
        return entries.sorted { $0.name < $1.name }
    }

    func read(_ path: RemotePath, offset: UInt64, length: UInt64, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        record("read \(path) \(offset)+\(length)")
        lock.lock()
        let data = files[path.string]
        lock.unlock()
        guard let data else { throw FSError.notFound }
        let start = Int(min(offset, UInt64(data.count)))
        let end = Int(min(offset + length, UInt64(data.count)))
        let slice = data[start..<end]
        try slice.withUnsafeBytes { try sink($0) }
        return UInt64(slice.count)
    }

    func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes {
        record("upload \(path)")
        duringUpload?()
        if let uploadError { throw uploadError }
        let data = try Data(contentsOf: localFile)
        put(path.string, data)
        return RemoteAttributes(kind: .file, size: UInt64(data.count), mtime: Date())
    }

    func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes {
        record("mkdir \(path)")
        lock.lock()
        directories.insert(path.string)
        lock.unlock()
        return .directory()
    }

    func delete(_ path: RemotePath, kind: NodeKind) throws {
        record("delete \(path)")
        lock.lock()
        defer { lock.unlock() }
        guard files.removeValue(forKey: path.string) != nil || directories.remove(path.string) != nil else { throw FSError.notFound }
    }

    func rename(_ from: RemotePath, to: RemotePath) throws {
        record("rename \(from) \(to)")
        lock.lock()
        defer { lock.unlock() }
        if let data = files.removeValue(forKey: from.string) { files[to.string] = data; return }
        guard directories.remove(from.string) != nil else { throw FSError.notFound }
        directories.insert(to.string)
        for (p, data) in files where p.hasPrefix(from.string + "/") {
            files[p] = nil
            files[to.string + p.dropFirst(from.string.count)] = data
        }
    }
}

/// A job service kept in memory: each job is in the state the test last set, with a "tape" stage word per file; a
/// job the test never set is unknown (404). Counts the status calls, and the jobs it was told ended.
final class MemoryJobs: JobService, @unchecked Sendable {
    let name: String
    private let lock = NSLock()
    private var states: [String: (state: TransferJobState, stage: String)] = [:]
    private(set) var statusCalls = 0
    private(set) var endedJobs: [String] = []

    init(name: String) { self.name = name }

    func kind(of jobID: String) -> String { "tape-get" }

    func set(_ jobID: String, _ state: TransferJobState, stage: String) {
        lock.withLock { states[jobID] = (state, stage) }
    }

    func status(of job: TrackedJob) throws -> TransferJobStatus {
        try lock.withLock {
            statusCalls += 1
            guard let current = states[job.jobID] else { throw FSError.notFound }
            let reason = current.state == .failed ? "\(current.stage): tape unreadable" : nil
            return TransferJobStatus(jobID: job.jobID, state: current.state, reason: reason, files: job.files.map {
                TransferFileStatus(source: $0.sourceURL, destination: $0.destinationURL, state: current.stage, reason: reason,
                                   size: $0.size, transferred: current.state == .finished ? ($0.size ?? 0) : 0)
            })
        }
    }

    func jobEnded(_ job: TrackedJob) { lock.withLock { endedJobs.append(job.jobID) } }

    var ended: [String] { lock.withLock { endedJobs } }
    var polls: Int { lock.withLock { statusCalls } }
}
