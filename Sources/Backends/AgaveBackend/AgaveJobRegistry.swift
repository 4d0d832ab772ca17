import Foundation

/// What the backend remembers about jobs between calls: which job each directory name stands for (so a path
/// costs no search), the last record seen of each, and the generated `job.json`/`history.json` bytes (so `stat`
/// and `read` of those files agree on the size).
///
/// `@unchecked Sendable` because `lock` guards `byDirectory` and `documents` (held for dictionary work only, never
/// across a request). Memory is bounded: documents are evicted oldest-first beyond `maxDocuments`; directory names
/// are a few hundred bytes per job the user has.
final class AgaveJobRegistry: @unchecked Sendable {
    struct Known {
        var summary: AgaveJobSummary
        var fetchedAt: Date
    }

    enum DocumentKind: Hashable {
        case record
        case history
    }

    struct Document {
        var bytes: Data
        var fetchedAt: Date
        /// Whether the job had ended when the bytes were made; such bytes never go stale.
        var terminal: Bool
    }

    private struct DocumentKey: Hashable {
        var jobID: String
        var kind: DocumentKind
    }

    static let maxDocuments = 512

    private let lock = NSLock()
    private var byDirectory: [String: Known] = [:]
    private var documents: [DocumentKey: Document] = [:]

    /// Records jobs seen in a listing or a GET; returns their directory names in the same order.
    @discardableResult
    func remember(_ summaries: [AgaveJobSummary], at now: Date) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return summaries.map { summary in
            let name = AgaveJobNaming.directoryName(name: summary.name, id: summary.id)
            byDirectory[name] = Known(summary: summary, fetchedAt: now)
            return name
        }
    }

    func known(directory: String) -> Known? {
        lock.lock()
        defer { lock.unlock() }
        return byDirectory[directory]
    }

    func forget(directory: String) {
        lock.lock()
        defer { lock.unlock() }
        if let known = byDirectory.removeValue(forKey: directory) {
            documents = documents.filter { $0.key.jobID != known.summary.id }
        }
    }

    func document(_ kind: DocumentKind, jobID: String) -> Document? {
        lock.lock()
        defer { lock.unlock() }
        return documents[DocumentKey(jobID: jobID, kind: kind)]
    }

    func store(_ document: Document, _ kind: DocumentKind, jobID: String) {
        lock.lock()
        defer { lock.unlock() }
        documents[DocumentKey(jobID: jobID, kind: kind)] = document
        if documents.count > Self.maxDocuments,
           let oldest = documents.min(by: { $0.value.fetchedAt < $1.value.fetchedAt })?.key {
            documents[oldest] = nil
        }
    }
}
