import SciencefsCore

/// What a path under an AMIE source's directory means:
/// ```
/// packets/incoming/<packet_rec_id>-<type>.json    packets the site received (read-only)
/// packets/outgoing/<packet_rec_id>-<type>.json    packets the site sent; write a new .json here to send one
/// transactions/<trans_rec_id>/<packet_rec_id>-<type>.json   one transaction's packets, both directions
/// ```
enum AMIELocation: Equatable {
    enum Direction: String { case incoming, outgoing }

    static let packetsDirectory = "packets"
    static let transactionsDirectory = "transactions"

    case root
    case packets
    case direction(Direction)
    /// A name inside `incoming/` or `outgoing/`; `packet` is nil when it is not a packet file name.
    case directionEntry(Direction, name: String, packet: (recID: Int64, type: String)?)
    case transactions
    case transaction(Int64)
    case transactionEntry(Int64, name: String, packet: (recID: Int64, type: String)?)

    init(_ path: RemotePath) throws {
        let c = path.components
        switch c.count {
        case 0: self = .root
        case 1:
            switch c[0] {
            case Self.packetsDirectory: self = .packets
            case Self.transactionsDirectory: self = .transactions
            default: throw FSError.notFound
            }
        case 2:
            if c[0] == Self.packetsDirectory, let d = Direction(rawValue: c[1]) { self = .direction(d); return }
            if c[0] == Self.transactionsDirectory, let id = Int64(c[1]) { self = .transaction(id); return }
            throw FSError.notFound
        case 3:
            if c[0] == Self.packetsDirectory, let d = Direction(rawValue: c[1]) {
                self = .directionEntry(d, name: c[2], packet: AMIEPacketFileName.parse(c[2]))
                return
            }
            if c[0] == Self.transactionsDirectory, let id = Int64(c[1]) {
                self = .transactionEntry(id, name: c[2], packet: AMIEPacketFileName.parse(c[2]))
                return
            }
            throw FSError.notFound
        default:
            throw c.count > 3 && (c[0] == Self.packetsDirectory || c[0] == Self.transactionsDirectory)
                ? FSError.notDirectory : FSError.notFound
        }
    }

    static func == (lhs: AMIELocation, rhs: AMIELocation) -> Bool {
        switch (lhs, rhs) {
        case (.root, .root), (.packets, .packets), (.transactions, .transactions): return true
        case (.direction(let a), .direction(let b)): return a == b
        case (.transaction(let a), .transaction(let b)): return a == b
        case (.directionEntry(let a, let n, _), .directionEntry(let b, let m, _)): return a == b && n == m
        case (.transactionEntry(let a, let n, _), .transactionEntry(let b, let m, _)): return a == b && n == m
        default: return false
        }
    }
}
