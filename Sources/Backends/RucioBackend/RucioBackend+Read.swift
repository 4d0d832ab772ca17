import Foundation
import SciencefsCore
import SciencefsHTTP

/// Reads: the file's replicas (`replicaRecord(_:at:)`, looked up for a dataset's files in batches), then ranged
/// GETs from the chosen replica's PFN, falling over to the next replica on connection errors, 5xx and 404 (see
/// `ReplicaSelector`).
extension RucioBackend {
    struct ReplicaListRequest: Encodable {
        struct DIDRef: Encodable { var scope: String; var name: String }
        struct Location: Encodable { var site: String }
        var dids: [DIDRef]
        var schemes: [String]
        var client_location: Location?
    }

    /// Schemes asked for in replica lookups: the ones a plain HTTP client can read.
    static let replicaSchemes = ["https", "davs", "http"]

    public func read(_ path: RemotePath, offset: UInt64, length: UInt64,
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        try mapErrors("read", path) {
            guard case .did(let did, _) = try RucioLocation(path) else { throw FSError.isDirectory }
            let replicas = try replicaRecord(did, at: path, listingSiblings: true)
            let size = try replicas.bytes ?? record(did, at: path).bytes ?? 0
            guard offset < size, length > 0 else { return 0 }
            let end = min(size, offset.addingReportingOverflow(length).overflow ? size : offset + length)
            let placed = placements.rse(for: path).map { [$0] } ?? []
            do {
                return try readFromReplicas(replicas, did: did, path: path, placed: placed, from: offset, to: end,
                                            sink: sink)
            } catch FSError.io(let why) {
                forgetReplicas(at: path) // the list may be stale: ask the server again next time
                throw FSError.io(why)
            }
        }
    }

    /// Streams `[start, end)` from the best replica, continuing from the next one where a replica fails, so a
    /// failure half-way through still delivers every byte exactly once. A replica that sends no byte for
    /// `replica_stall_timeout` is such a failure (the replica client gives up without retrying it), so a frozen
    /// storage server costs one stall timeout per replica tried; a replica that stalled less than that long ago is
    /// not waited for again (see `RSEFailureMemory.stalledRecently`). A warning is logged when the read moves on;
    /// when no replica is left, the thrown error says what each one did.
    /// `placed`: the RSE a finished replication rule put the file on, tried before the configured preferences.
    private func readFromReplicas(_ record: ReplicaRecord, did: DID, path: RemotePath, placed: [String],
                                  from start: UInt64, to end: UInt64, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        let candidates = selector.order(record, recentlyFailed: failures.recentlyFailed(), placed: placed)
        guard !candidates.isEmpty else {
            throw FSError.io("\(did) has no replica we can read (need an AVAILABLE disk replica over https/davs/http)")
        }
        var delivered: UInt64 = 0
        var problems: [String] = []
        let stallTimeout = configuration.replicaStallTimeout
        for (index, candidate) in candidates.enumerated() {
            if failures.stalledRecently(candidate.rse, within: stallTimeout) {
                problems.append("\(candidate.rse) stalled less than \(String(format: "%g", stallTimeout)) s ago "
                    + "(replica_stall_timeout); not waited for again")
                continue
            }
            var sinkFailed = false
            do {
                guard let range = ByteRange(offset: start + delivered, length: end - start - delivered) else { break }
                _ = try replicaReads.download(HTTPRequest(method: .get, url: candidate.url), range: range) { chunk in
                    do {
                        try sink(chunk)
                    } catch {
                        sinkFailed = true
                        throw error
                    }
                    delivered += UInt64(chunk.count)
                }
                if start + delivered < end {
                    throw HTTPError.transport(code: 18, message: "replica ended after \(start + delivered) of \(end) bytes")
                }
                failures.recordSuccess(candidate.rse)
                readOrigins.value?.report(path, url: candidate.url, detail: "RSE \(candidate.rse)")
                return delivered
            } catch where !sinkFailed && Self.isReplicaFailure(error) {
                failures.recordFailure(candidate.rse)
                let stalled = (error as? HTTPError)?.isTimeout == true
                if stalled { failures.recordStall(candidate.rse) }
                let problem = stalled ? "sent nothing for \(String(format: "%g", stallTimeout)) s (replica_stall_timeout)"
                    : "\(error)"
                problems.append("\(candidate.rse) \(problem)")
                if index + 1 < candidates.count {
                    logger.warning(stalled ? "replica stalled; continuing from the next replica"
                                           : "replica read failed; continuing from the next replica", metadata: [
                        "source": "\(name)", "did": "\(did)", "rse": "\(candidate.rse)", "from_byte": "\(start + delivered)",
                        "url": "\(URLRedaction.redact(candidate.url))", "error": "\(error)"])
                }
            }
        }
        throw FSError.io("no replica of \(did) could be read: " + problems.joined(separator: "; "))
    }

    /// Errors that say "this copy is unusable now", not "you may not read": worth trying another replica.
    static func isReplicaFailure(_ error: Error) -> Bool {
        guard let http = error as? HTTPError else { return false }
        switch http {
        case .transport, .invalidRequest: return true
        case .status(let code, _): return code == 404 || code == 410 || code == 416 || code >= 500 || code == 401 || code == 403
        }
    }
}
