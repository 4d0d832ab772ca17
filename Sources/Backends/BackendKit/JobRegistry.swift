import Foundation

/// What the backend remembers about jobs between calls: which job each directory name stands for (so a path
/// costs no search), the last record seen of each, and the generated `job.json`/`history.json` bytes (so `stat`
/// and `read` of those files agree on the size).
///
/// `@unchecked Sendable` because `lock` guards `byDirectory` and `documents` (held for dictionary work only, never
/// across a request). Memory is bounded: documents are evicted oldest-first beyond `maxDocuments`; directory names
/// are a few hundred bytes per job the user has.
public final class JobRegistry<Summary: JobSummary>: @unchecked Sendable {
    public struct Known {
        public var summary: Summary
        public var fetchedAt: Date
    }

    public enum DocumentKind: Hashable, Sendable {
        case record
        case history
    }

    public struct Document {
        public var bytes: Data
        public var fetchedAt: Date
        /// Whether the job had ended when the bytes were made; such bytes never go stale.
        public var terminal: Bool

        public init(bytes: Data, fetchedAt: Date, terminal: Bool) {
            self.bytes = bytes
            self.fetchedAt = fetchedAt
            self.terminal = terminal
        }
    }

    private struct DocumentKey: Hashable {
        var jobID: String
        var kind: DocumentKind
    }

    public static var maxDocuments: Int { 512 }

    public init() {}

    /// Guards `byDirectory` and `documents`.
    private let lock = NSLock()
    private var byDirectory: [String: Known] = [:]
    private var documents: [DocumentKey: Document] = [:]

    /// Records jobs seen in a listing or a GET; returns their directory names in the same order.
    @discardableResult
    public func remember(_ summaries: [Summary], at now: Date) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return summaries.map { summary in
            let name = JobDirectoryNaming.directoryName(name: summary.name, id: summary.id)
            byDirectory[name] = Known(summary: summary, fetchedAt: now)
            return name
        }
    }

    public func known(directory: String) -> Known? {
        lock.lock()
        defer { lock.unlock() }
        return byDirectory[directory]
    }

    public func forget(directory: String) {
        lock.lock()
        defer { lock.unlock() }
        if let known = byDirectory.removeValue(forKey: directory) {
            documents = documents.filter { $0.key.jobID != known.summary.id }
        }
    }

    public func document(_ kind: DocumentKind, jobID: String) -> Document? {
        lock.lock()
        defer { lock.unlock() }
        return documents[DocumentKey(jobID: jobID, kind: kind)]
    }

    public func store(_ document: Document, _ kind: DocumentKind, jobID: String) {
        lock.lock()
        defer { lock.unlock() }
        documents[DocumentKey(jobID: jobID, kind: kind)] = document
        if documents.count > Self.maxDocuments,
           let oldest = documents.min(by: { $0.value.fetchedAt < $1.value.fetchedAt })?.key {
            documents[oldest] = nil
        }
    }
}

/// What the jobs tree needs to know of a job: its id and name (for the directory name), its state and app (for the
/// `.status/` and `.app/` filters), and whether it has ended.
public protocol JobSummary {
    var id: String { get }
    var name: String? { get }
    var status: String { get }
    var appId: String? { get }
    var isTerminal: Bool { get }
}
