import Foundation
import SciencefsCore

/// Imports (`urlToIngest`) this source started, for `.sciencefs/transfers/`. Finished ones stay listed for an hour.
final class AgaveImportLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: TransferRecord] = [:]
    private var counter = 0

    func begin(files: [String], bytes: UInt64) -> String {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        let id = "import-\(Int(Date().timeIntervalSince1970))-\(counter)"
        entries[id] = TransferRecord(id: id, kind: "agave-import", state: "STAGING_QUEUED", files: files, bytes: bytes)
        return id
    }

    func update(_ id: String, state: String, detail: String? = nil) {
        lock.lock()
        entries[id]?.state = state
        entries[id]?.detail = detail
        entries[id]?.updated = Date()
        lock.unlock()
    }

    var records: [TransferRecord] {
        lock.lock()
        defer { lock.unlock() }
        let cutoff = Date().addingTimeInterval(-3600)
        let running: Set<String> = ["STAGING_QUEUED", "STAGING"]
        entries = entries.filter { running.contains($0.value.state) || $0.value.updated > cutoff }
        return entries.values.sorted { $0.id < $1.id }
    }
}
