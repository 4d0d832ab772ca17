import Foundation
import SciencefsCore

/// A packet rendered as the file the mount shows: its pretty-printed JSON, and the attributes that go with it.
struct AMIEPacketFile: Sendable {
    let packet: AMIEPacket
    let bytes: Data

    init(_ packet: AMIEPacket) {
        self.packet = packet
        self.bytes = Data(AMIEJSONPrinter.pretty(packet.json).utf8)
    }

    /// mtime is the packet's `date`, plus a sub-second part derived from the bytes: the Core's data cache keys a
    /// file's bytes on (size, mtime in ms), and a header change such as a new `client_state` must not be served
    /// from the cache even when the length happens to stay the same. The whole-second time stays the packet's.
    var attributes: RemoteAttributes {
        let base = (packet.date ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970.rounded(.down)
        let fraction = Double(Self.fnv1a(bytes) % 1000) / 1000
        // 0o644, not 0o444: Linux refuses `setfattr` of a user.* name on a file its caller cannot write, and
        // setting `user.amie.client_state` is how packets are marked. Writes to a packet file are refused on close.
        return RemoteAttributes(kind: .file, size: UInt64(bytes.count),
                                mtime: Date(timeIntervalSince1970: base + fraction), permissions: 0o644,
                                xattrs: Self.xattrs(of: packet))
    }

    static func xattrs(of packet: AMIEPacket) -> [String: String] {
        var x: [String: String] = [
            "user.amie.type": packet.type,
            "user.amie.packet_rec_id": String(packet.packetRecID),
            "user.amie.direction": packet.outgoing ? "outgoing" : "incoming",
        ]
        if let v = packet.transRecID { x["user.amie.trans_rec_id"] = String(v) }
        if let v = packet.packetState { x["user.amie.state"] = v }
        if let v = packet.transactionState { x["user.amie.transaction_state"] = v }
        if let v = packet.clientState { x["user.amie.client_state"] = v }
        if let v = packet.clientJSON { x["user.amie.client_json"] = v.displayText }
        if let v = packet.inReplyTo { x["user.amie.in_reply_to"] = String(v) }
        return x
    }

    private static func fnv1a(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// Recently fetched packet files by `packet_rec_id`, so `ls -l` followed by `cat` costs one listing, not one
/// GET per file and per read. Entries live for the source's attribute TTL and are dropped as soon as this
/// mount changes the packet (client state, a failed transaction). `@unchecked Sendable` because `lock` guards
/// `entries`, its only mutable state (and `AMIEPacketFile` is not itself marked `Sendable`).
final class AMIEPacketCache: @unchecked Sendable {
    private let ttl: TimeInterval
    private let lock = NSLock()
    private var entries: [Int64: (file: AMIEPacketFile, fetched: Date)] = [:]
    private static let maxEntries = 20_000

    init(ttl: TimeInterval) { self.ttl = ttl }

    func file(_ recID: Int64, now: Date = Date()) -> AMIEPacketFile? {
        lock.withLock {
            guard let entry = entries[recID], now.timeIntervalSince(entry.fetched) < ttl else { return nil }
            return entry.file
        }
    }

    func store(_ files: [AMIEPacketFile], now: Date = Date()) {
        lock.withLock {
            if entries.count + files.count > Self.maxEntries {
                entries = entries.filter { now.timeIntervalSince($0.value.fetched) < ttl }
                if entries.count + files.count > Self.maxEntries { entries.removeAll() }
            }
            for file in files { entries[file.packet.packetRecID] = (file, now) }
        }
    }

    func remove(_ recID: Int64) { _ = lock.withLock { entries.removeValue(forKey: recID) } }

    func removeAll() { lock.withLock { entries.removeAll() } }
}
