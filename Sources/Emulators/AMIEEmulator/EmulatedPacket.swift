import EmulatorSupport
import Foundation

/// One stored packet and its place in a transaction, rendered on demand in the server's JSON shape
/// (`DATA_TYPE` `Packet`, every header field amieclient's `Packet.from_dict` reads).
struct EmulatedPacket: Sendable {
    let recID: Int64
    let packetID: Int64
    let transRecID: Int64
    let type: String
    var body: [String: JSONValue]
    /// True for packets the site sent (the local site is the site the API key belongs to).
    let outgoing: Bool
    var state: String
    var clientState: String?
    var clientJSON: JSONValue?
    let inReplyTo: Int64?
    let date: Date
    var updated: Date

    func json(transaction: EmulatedTransaction, localSite: String, remoteSite: String) -> JSONValue {
        var header: [(String, JSONValue)] = [
            ("packet_rec_id", .int(recID)), ("packet_id", .int(packetID)),
            ("transaction_id", .int(transaction.transactionID)), ("trans_rec_id", .int(transRecID)),
            ("expected_reply_list", PacketRule.named(type)?.expectedReplyList ?? .array([])),
            ("local_site_name", .string(localSite)), ("remote_site_name", .string(remoteSite)),
            ("originating_site_name", .string(transaction.originatingSite)),
            ("outgoing_flag", .bool(outgoing)), ("transaction_state", .string(transaction.state)),
            ("packet_state", .string(state)), ("date", .string(EmulatedPacket.timestamp(date))),
        ]
        if let inReplyTo { header.append(("in_reply_to", .int(inReplyTo))) }
        if let clientState { header.append(("client_state", .string(clientState))) }
        if let clientJSON { header.append(("client_json", clientJSON)) }
        return .object([
            ("DATA_TYPE", "Packet"), ("type", .string(type)),
            ("header", .object(header)),
            ("body", .object(body.keys.sorted().map { ($0, body[$0] ?? .null) })),
        ])
    }

    /// Naive UTC ISO-8601, as the AMIE server writes dates.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return String(formatter.string(from: date).dropLast())
    }
}

/// A transaction: a conversation of packets between the allocation service and the site.
struct EmulatedTransaction: Sendable {
    let transRecID: Int64
    let transactionID: Int64
    let originatingSite: String
    /// `in-progress`, `completed` or `failed`.
    var state: String
}
