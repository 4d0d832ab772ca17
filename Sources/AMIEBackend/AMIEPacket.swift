import Foundation

/// One packet as the server sent it: the full JSON (kept for display and round-tripping) plus the header fields
/// the filesystem needs, parsed once. `DATA_TYPE` is `Packet` from the server and `packet` from the client; both
/// are accepted (protocols/amie.md §5.6).
public struct AMIEPacket: Sendable, Equatable {
    public let json: AMIEJSON
    public let type: String
    public let packetRecID: Int64
    public let transRecID: Int64?
    public let outgoing: Bool
    public let packetState: String?
    public let transactionState: String?
    public let clientState: String?
    public let clientJSON: AMIEJSON?
    public let inReplyTo: Int64?
    /// `header.date` (ISO-8601; naive times are UTC), when present and parseable.
    public let date: Date?

    public init(json: AMIEJSON) throws {
        guard let header = json["header"]?.objectValue else { throw AMIEClientError.malformed("packet without a header") }
        guard let type = json["type"]?.stringValue else { throw AMIEClientError.malformed("packet without a type") }
        guard let recID = header["packet_rec_id"]?.intValue else {
            throw AMIEClientError.malformed("packet without a packet_rec_id")
        }
        self.json = json
        self.type = type
        self.packetRecID = recID
        self.transRecID = header["trans_rec_id"]?.intValue
        if case .bool(let flag)? = header["outgoing_flag"] { outgoing = flag } else { outgoing = false }
        self.packetState = header["packet_state"]?.stringValue
        self.transactionState = header["transaction_state"]?.stringValue
        self.clientState = header["client_state"]?.stringValue
        let clientJSON = header["client_json"]
        self.clientJSON = clientJSON == .null ? nil : clientJSON
        self.inReplyTo = header["in_reply_to"]?.intValue
        self.date = header["date"]?.stringValue.flatMap(AMIETimestamp.parse)
    }

    /// The file name this packet has in the mount: `<packet_rec_id>-<type>.json`.
    public var fileName: String { AMIEPacketFileName.format(recID: packetRecID, type: type) }
}

/// `<packet_rec_id>-<type>.json`: ids sort numerically within a width and the type says what the packet is.
public enum AMIEPacketFileName {
    public static func format(recID: Int64, type: String) -> String { "\(recID)-\(type).json" }

    /// The record id and type a file name claims, or nil when the name is not a packet file name.
    public static func parse(_ name: String) -> (recID: Int64, type: String)? {
        guard name.hasSuffix(".json"), let dash = name.firstIndex(of: "-") else { return nil }
        guard let id = Int64(name[name.startIndex..<dash]) else { return nil }
        let type = String(name[name.index(after: dash)..<name.index(name.endIndex, offsetBy: -5)])
        return type.isEmpty ? nil : (id, type)
    }
}

/// One transaction with its packets (`GET transactions/{site}/{trans_rec_id}/packets`).
public struct AMIETransaction: Sendable, Equatable {
    public let transRecID: Int64
    public let transactionID: Int64?
    public let state: String?
    public let originatingSite: String?
    public let localSite: String?
    public let remoteSite: String?
    public let packets: [AMIEPacket]

    init(json: AMIEJSON, transRecID: Int64) throws {
        guard let object = json.objectValue else { throw AMIEClientError.malformed("transaction is not an object") }
        guard let data = object["DATA"]?.arrayValue else { throw AMIEClientError.malformed("transaction without DATA") }
        self.transRecID = object["trans_rec_id"]?.intValue ?? transRecID
        self.transactionID = object["transaction_id"]?.intValue
        self.state = object["state"]?.stringValue
        self.originatingSite = object["originating_site_name"]?.stringValue
        self.localSite = object["local_site_name"]?.stringValue
        self.remoteSite = object["remote_site_name"]?.stringValue
        self.packets = try data.map(AMIEPacket.init(json:))
    }
}

/// AMIE timestamps: `2020-06-05T09:25:37`, optionally with fractional seconds and a zone (`Z`, `+00:00`).
/// Python's `isoformat()` writes naive times without a zone; those are taken as UTC.
public enum AMIETimestamp {
    public static func parse(_ text: String) -> Date? {
        var s = text.trimmingCharacters(in: .whitespaces)
        guard s.count >= 10 else { return nil }
        if s.count == 10 { s += "T00:00:00" }
        s = s.replacingOccurrences(of: " ", with: "T")
        let hasZone = s.hasSuffix("Z") || s.dropFirst(19).contains("+") || s.dropFirst(19).contains("-")
        if !hasZone { s += "Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: s) { return d }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: s)
    }

    /// `YYYY-MM-DDTHH:MM:SS` in UTC, as Python's naive `isoformat()` writes it.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return String(formatter.string(from: date).dropLast()) // drop the "Z"
    }
}
