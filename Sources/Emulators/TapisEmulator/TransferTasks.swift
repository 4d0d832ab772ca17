import EmulatorSupport
import Foundation
import Logging

/// Transfer tasks (docs/protocols/tapis.md §6): each runs on its own task, ACCEPTED for one step delay, then
/// IN_PROGRESS for another (longer while a test holds transfers), then copies its elements and ends COMPLETED,
/// or FAILED with an `errorMessage`. Thread-safe: one lock guards the tasks and the test switches.
final class TransferTasks: @unchecked Sendable {
    struct Element {
        let sourceURI: String
        let destinationURI: String
        let source: SystemPath
        let destination: SystemPath
        var totalBytes: Int64
        var bytesTransferred: Int64 = 0
    }

    struct Record {
        let uuid: String
        let tag: String?
        let username: String
        let tenantId: String
        var status: String
        let created: Date
        var startTime: Date?
        var endTime: Date?
        var errorMessage: String?
        var elements: [Element]
        /// Each element's own uuid, for `parentTasks`.
        let elementIds: [String]
    }

    private let lock = NSLock()
    /// Guarded by `lock`.
    private var records: [String: Record] = [:]
    /// Guarded by `lock`: creation order, for the list endpoint.
    private var order: [String] = []
    /// Guarded by `lock`: how many of the next tasks to fail on purpose.
    private var failuresToInject = 0
    /// Guarded by `lock`: while true, tasks that reach IN_PROGRESS stay there.
    private var held = false
    /// Guarded by `lock`.
    private var delay: TimeInterval
    private let logger: Logger

    init(stepDelay: TimeInterval, logger: Logger) {
        delay = stepDelay
        self.logger = logger
    }

    var stepDelay: TimeInterval {
        get { lock.withLock { delay } }
        set { lock.withLock { delay = newValue } }
    }

    /// Tasks that reach IN_PROGRESS stay there until `release()`.
    func hold() { lock.withLock { held = true } }
    func release() { lock.withLock { held = false } }

    /// The next `count` tasks end FAILED without copying anything.
    func failNext(_ count: Int) { lock.withLock { failuresToInject += count } }

    func record(_ uuid: String) -> Record? { lock.withLock { records[uuid] } }

    /// The user's tasks, newest first.
    func records(username: String) -> [Record] {
        lock.withLock { order.reversed().compactMap { records[$0] }.filter { $0.username == username } }
    }

    func create(tag: String?, username: String, tenantId: String, elements: [Element]) -> Record {
        let record = Record(uuid: UUID().uuidString.lowercased(), tag: tag, username: username, tenantId: tenantId,
                            status: "ACCEPTED", created: Date(), elements: elements,
                            elementIds: elements.map { _ in UUID().uuidString.lowercased() })
        lock.withLock {
            records[record.uuid] = record
            order.append(record.uuid)
        }
        let uuid = record.uuid
        Task.detached { [self] in await run(uuid) }
        return record
    }

    private func run(_ uuid: String) async {
        try? await Task.sleep(nanoseconds: UInt64(max(0, stepDelay) * 1e9))
        update(uuid) {
            $0.status = "IN_PROGRESS"
            $0.startTime = Date()
        }
        try? await Task.sleep(nanoseconds: UInt64(max(0, stepDelay) * 1e9))
        while lock.withLock({ held }) { try? await Task.sleep(nanoseconds: 20_000_000) }
        let inject = lock.withLock { () -> Bool in
            guard failuresToInject > 0 else { return false }
            failuresToInject -= 1
            return true
        }
        guard let record = record(uuid) else { return }
        var failure: String? = inject ? "Transfer failed (injected by the emulator)" : nil
        var elements = record.elements
        if failure == nil {
            for index in elements.indices {
                let element = elements[index]
                guard FileStat(path: element.source.fileSystemPath) != nil else {
                    failure = "Source not found: \(element.sourceURI)"
                    break
                }
                do {
                    try FileTransfer.place(from: element.source.fileSystemPath, to: element.destination.fileSystemPath,
                                           move: false)
                    elements[index].bytesTransferred = element.totalBytes
                } catch {
                    failure = "Cannot write \(element.destinationURI): \(error.localizedDescription)"
                    break
                }
            }
        }
        update(uuid) {
            $0.elements = elements
            $0.status = failure == nil ? "COMPLETED" : "FAILED"
            $0.errorMessage = failure
            $0.endTime = Date()
        }
        logger.info("transfer task ended", metadata: ["uuid": "\(uuid)", "status": "\(failure == nil ? "COMPLETED" : "FAILED")"])
    }

    private func update(_ uuid: String, _ change: (inout Record) -> Void) {
        lock.withLock {
            guard var record = records[uuid] else { return }
            change(&record)
            records[uuid] = record
        }
    }
}
