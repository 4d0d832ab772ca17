import Foundation

/// One place a file's bytes can be read from.
struct ReplicaCandidate: Equatable, Sendable {
    var rse: String
    var pfn: String
    /// The `http(s)://` URL to GET.
    var url: String
    var priority: Int
}

/// Orders a file's replicas for reading. The rule (documented for users in docs/sources/rucio.md, "Reading"):
///
/// 1. Keep only PFNs we can read: scheme https, davs or http (dav too); not inside an archive (`domain` zip or
///    `client_extract`); not on TAPE (a tape replica needs staging first); and only RSEs whose state is
///    `AVAILABLE` (the server already filters unless asked otherwise; a missing state counts as available).
/// 2. RSEs that failed within the last `failurePenalty` seconds go to the end — still tried, but last.
/// 3. Then the RSE a finished `sciencefs stage` rule put the file on, then the configured preferred RSEs, in order.
/// 4. Then the server's `priority` (1 = best; it already puts LAN before WAN and honours the client's site).
/// 5. Then https/davs before http, then the PFN text, so the order is deterministic.
struct ReplicaSelector: Sendable {
    var preferredRSEs: [String]

    /// `placed` (the RSE a finished `sciencefs stage` rule put the file on) ranks before `preferredRSEs`.
    func order(_ record: ReplicaRecord, recentlyFailed: Set<String>, placed: [String] = []) -> [ReplicaCandidate] {
        let preferredRSEs = placed + self.preferredRSEs
        var candidates: [ReplicaCandidate] = []
        for (pfn, info) in record.pfns {
            guard let url = StorageURL.httpURL(forPFN: pfn) else { continue }
            if info.domain?.lowercased() == "zip" || info.clientExtract == true { continue }
            if info.type?.uppercased() == "TAPE" { continue }
            if let state = record.states[info.rse], state.uppercased() != "AVAILABLE" { continue }
            candidates.append(ReplicaCandidate(rse: info.rse, pfn: pfn, url: url, priority: info.priority ?? Int.max))
        }
        // Records that list PFNs only under `rses` (no `pfns` detail): rank them after the detailed ones.
        let known = Set(candidates.map(\.pfn))
        for (rse, pfns) in record.rses {
            if let state = record.states[rse], state.uppercased() != "AVAILABLE" { continue }
            for pfn in pfns where !known.contains(pfn) && record.pfns[pfn] == nil {
                guard let url = StorageURL.httpURL(forPFN: pfn) else { continue }
                candidates.append(ReplicaCandidate(rse: rse, pfn: pfn, url: url, priority: Int.max))
            }
        }
        return candidates.sorted { a, b in
            let failedA = recentlyFailed.contains(a.rse), failedB = recentlyFailed.contains(b.rse)
            if failedA != failedB { return !failedA }
            let prefA = preferredRSEs.firstIndex(of: a.rse) ?? Int.max
            let prefB = preferredRSEs.firstIndex(of: b.rse) ?? Int.max
            if prefA != prefB { return prefA < prefB }
            if a.priority != b.priority { return a.priority < b.priority }
            let schemeA = Self.schemeRank(a.url), schemeB = Self.schemeRank(b.url)
            if schemeA != schemeB { return schemeA < schemeB }
            return a.pfn < b.pfn
        }
    }

    private static func schemeRank(_ url: String) -> Int { url.hasPrefix("https://") ? 0 : 1 }
}

/// Remembers which RSEs failed a read recently, so the next reads try other replicas first, and which stalled
/// (sent nothing for `replica_stall_timeout`), so they are not waited for again straight away. `@unchecked
/// Sendable` because `lock` guards `failures` and `stalls`; `penalty` is a `let`.
final class RSEFailureMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [String: Date] = [:]
    private var stalls: [String: Date] = [:]
    let penalty: TimeInterval

    func recordStall(_ rse: String, now: Date = Date()) {
        lock.withLock { stalls[rse] = now }
    }

    /// True when `rse` stalled less than `window` seconds ago. The kernel re-issues a failed page read at once,
    /// and a second read of a file on the same frozen server would otherwise wait the whole stall time again.
    func stalledRecently(_ rse: String, within window: TimeInterval, now: Date = Date()) -> Bool {
        lock.withLock {
            guard let at = stalls[rse] else { return false }
            if now.timeIntervalSince(at) < window { return true }
            stalls[rse] = nil
            return false
        }
    }

    init(penalty: TimeInterval) { self.penalty = penalty }

    func recordFailure(_ rse: String, now: Date = Date()) {
        lock.lock()
        failures[rse] = now
        lock.unlock()
    }

    func recordSuccess(_ rse: String) {
        lock.lock()
        failures[rse] = nil
        stalls[rse] = nil
        lock.unlock()
    }

    func recentlyFailed(now: Date = Date()) -> Set<String> {
        lock.lock()
        defer { lock.unlock() }
        failures = failures.filter { now.timeIntervalSince($0.value) < penalty }
        return Set(failures.keys)
    }
}
