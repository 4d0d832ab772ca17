import Foundation

/// One packet as the server sent it: the full JSON (kept for display and round-tripping) plus the header fields
/// the filesystem needs, parsed once. `DATA_TYPE` is `Packet` from the server and `packet` from the client; both
/// are accepted (docs/protocols/amie.md §5.6).
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
    /// Every name `format` writes parses back, including a negative id (`-5-type.json`) and an empty type
    /// (`7-.json`): a server's odd packet must still open.
    public static func parse(_ name: String) -> (recID: Int64, type: String)? {
        guard name.hasSuffix(".json"), name.count > 6 else { return nil }
        let afterSign = name.index(after: name.startIndex)
        guard let dash = name[afterSign...].firstIndex(of: "-"), let id = Int64(name[name.startIndex..<dash]) else { return nil }
        let end = name.index(name.endIndex, offsetBy: -5)
        guard dash < end else { return nil }
        return (id, String(name[name.index(after: dash)..<end]))
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
        guard let shaped = canonical(s) else { return nil }
        s = shaped
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: s) { return d }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: s)
    }

    /// Only the shape Python writes reaches the formatter: `YYYY-MM-DDTHH:MM:SS`, at most six fraction digits
    /// (longer fractions are cut), and a zone (`Z` added when none). ICU's parser crashes on some other shapes,
    /// e.g. one-digit fields with a very long fraction, so anything else is refused here.
    static func canonical(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes.count <= 64 else { return nil }
        for (i, expected) in "dddd-dd-ddTdd:dd:dd".utf8.enumerated() {
            let fits = expected == UInt8(ascii: "d") ? isDigit(bytes[i]) : bytes[i] == expected
            guard fits else { return nil }
        }
        var index = 19
        var fraction: [UInt8] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { fraction.append(bytes[index]); index += 1 }
            guard !fraction.isEmpty else { return nil }
        }
        let zone = String(decoding: bytes[index...], as: UTF8.self)
        guard zone.isEmpty || zone == "Z" || isOffset(zone) else { return nil }
        var result = String(decoding: bytes[0..<19], as: UTF8.self)
        if !fraction.isEmpty { result += "." + String(decoding: fraction.prefix(6), as: UTF8.self) }
        return result + (zone.isEmpty ? "Z" : zone)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `+HH:MM`, `-HH:MM`, `+HHMM` or `-HHMM`.
    private static func isOffset(_ zone: String) -> Bool {
        let chars = Array(zone.utf8)
        guard let sign = chars.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return false }
        let colonAt3 = chars.count == 6 && chars[3] == UInt8(ascii: ":")
        let digits = chars.dropFirst().filter { $0 != UInt8(ascii: ":") }
        return (chars.count == 5 || colonAt3) && digits.count == 4 && digits.allSatisfy(isDigit)
    }

    /// `YYYY-MM-DDTHH:MM:SS` in UTC, as Python's naive `isoformat()` writes it.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return String(formatter.string(from: date).dropLast()) // drop the "Z"
    }
}
