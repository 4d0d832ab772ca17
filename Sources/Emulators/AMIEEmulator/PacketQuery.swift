import EmulatorSupport
import Foundation

/// The `list_packets` filters as the query string carries them (docs/protocols/amie.md §2): comma lists, Python
/// booleans (`True`/`False`), and one `update_time=<start>,<end>` window with either side empty.
struct PacketQuery {
    var transRecIDs: Set<Int64>?
    var outgoing: Bool?
    var incoming: Bool?
    var updatedSince: Date?
    var updatedUntil: Date?
    var states: Set<String>?
    var clientStates: Set<String>?
    var transactionStates: Set<String>?

    init(_ query: [String: String]) throws {
        func list(_ key: String) -> [String]? {
            guard let raw = query[key], !raw.isEmpty else { return nil }
            return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func bool(_ key: String) throws -> Bool? {
            guard let raw = query[key] else { return nil }
            switch raw.lowercased() {
            case "true": return true
            case "false": return false
            default: throw AMIEServerError(400, "\(key) must be True or False, not \(raw)")
            }
        }
        if let ids = list("trans_rec_id") {
            let parsed = ids.compactMap { Int64($0) }
            guard parsed.count == ids.count else { throw AMIEServerError(400, "trans_rec_id must be integers") }
            transRecIDs = Set(parsed)
        }
        outgoing = try bool("outgoing")
        incoming = try bool("incoming")
        if let window = query["update_time"] {
            let sides = window.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard sides.count == 2 else { throw AMIEServerError(400, "update_time must be <start>,<end>") }
            updatedSince = try Self.date(sides[0])
            updatedUntil = try Self.date(sides[1])
        }
        states = list("states").map(Set.init)
        clientStates = list("client_state").map(Set.init)
        transactionStates = list("transaction_state").map { Set($0.map(Self.normalizeTransactionState)) }
    }

    func matches(_ packet: EmulatedPacket, transaction: EmulatedTransaction) -> Bool {
        if let transRecIDs, !transRecIDs.contains(packet.transRecID) { return false }
        if outgoing == true && !packet.outgoing { return false }
        if outgoing == false && packet.outgoing { return false }
        if incoming == true && packet.outgoing { return false }
        if incoming == false && !packet.outgoing { return false }
        if let updatedSince, packet.updated < updatedSince { return false }
        if let updatedUntil, packet.updated > updatedUntil { return false }
        if let states, !states.contains(packet.state) { return false }
        if let clientStates, !clientStates.contains(packet.clientState ?? "") { return false }
        if let transactionStates, !transactionStates.contains(transaction.state) { return false }
        return true
    }

    /// The transaction fixture in amieclient spells `in_progress`; the packets say `in-progress`.
    static func normalizeTransactionState(_ s: String) -> String { s == "in_progress" ? "in-progress" : s }

    /// Python's `isoformat()`: `2024-01-02T03:04:05[.ffffff][+00:00]`; naive means UTC. Empty means open.
    static func date(_ text: String) throws -> Date? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.isEmpty { return nil }
        var core = s
        var zone = "Z"
        if let r = core.range(of: "[+-]\\d\\d:\\d\\d$", options: .regularExpression), core.count > 19 {
            zone = String(core[r])
            core = String(core[..<r.lowerBound])
        } else if core.hasSuffix("Z") {
            core.removeLast()
        }
        var fraction = 0.0
        if let dot = core.firstIndex(of: ".") {
            fraction = Double("0" + core[dot...]) ?? 0
            core = String(core[..<dot])
        }
        if core.count == 10 { core += "T00:00:00" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: core + zone) else { throw AMIEServerError(400, "cannot parse time \(text)") }
        return date.addingTimeInterval(fraction)
    }
}
