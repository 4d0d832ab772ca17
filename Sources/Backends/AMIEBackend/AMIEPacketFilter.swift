import Foundation

/// The search parameters of amieclient's `list_packets`, spelled on the wire as it spells them: lists are
/// comma-joined, booleans are `True`/`False`, the time window is one `update_time=<start>,<end>` with either
/// side empty, and unset parameters are left out (docs/protocols/amie.md §2).
public struct AMIEPacketFilter: Sendable, Equatable {
    public var transRecIDs: [Int64]
    public var outgoing: Bool?
    public var incoming: Bool?
    public var updatedSince: Date?
    public var updatedUntil: Date?
    public var states: [String]
    public var clientStates: [String]
    public var transactionStates: [String]

    public init(transRecIDs: [Int64] = [], outgoing: Bool? = nil, incoming: Bool? = nil, updatedSince: Date? = nil,
                updatedUntil: Date? = nil, states: [String] = [], clientStates: [String] = [],
                transactionStates: [String] = []) {
        self.transRecIDs = transRecIDs
        self.outgoing = outgoing
        self.incoming = incoming
        self.updatedSince = updatedSince
        self.updatedUntil = updatedUntil
        self.states = states
        self.clientStates = clientStates
        self.transactionStates = transactionStates
    }

    public static let incomingOnly = AMIEPacketFilter(incoming: true)
    public static let outgoingOnly = AMIEPacketFilter(outgoing: true)

    /// Query items in amieclient's parameter order (requests keeps dict order).
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        func list(_ values: [String]) -> String? { values.isEmpty ? nil : values.joined(separator: ",") }
        if let ids = list(transRecIDs.map(String.init)) { items.append(("trans_rec_id", ids)) }
        if let outgoing { items.append(("outgoing", outgoing ? "True" : "False")) }
        if updatedSince != nil || updatedUntil != nil {
            let start = updatedSince.map(AMIETimestamp.format) ?? ""
            let end = updatedUntil.map(AMIETimestamp.format) ?? ""
            items.append(("update_time", "\(start),\(end)"))
        }
        if let v = list(states) { items.append(("states", v)) }
        if let v = list(clientStates) { items.append(("client_state", v)) }
        if let v = list(transactionStates) { items.append(("transaction_state", v)) }
        if let incoming { items.append(("incoming", incoming ? "True" : "False")) }
        return items
    }
}
