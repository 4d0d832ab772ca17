import BackendKit
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP

/// AMIE account-management packets as files (protocol: docs/protocols/amie.md). Layout under the source:
/// ```
/// packets/incoming/<packet_rec_id>-<type>.json      list_packets(incoming=True); read-only
/// packets/outgoing/<packet_rec_id>-<type>.json      list_packets(outgoing=True); write a new file to send
/// transactions/<trans_rec_id>/<packet_rec_id>-<type>.json   get_transaction(); read-only
/// ```
/// A packet file holds the packet's JSON pretty-printed (sorted keys, 4-space indent). xattrs: `user.amie.state`,
/// `user.amie.client_state` (settable), `user.amie.client_json` (settable), `user.amie.type`, ... on packets;
/// `user.amie.state` on a transaction directory (set it to `failed` to fail the transaction).
///
/// Nothing is ever sent implicitly: only closing a new file in `outgoing/` sends a packet, after validation.
///
/// Thread-safety: the HTTP client is thread-safe and the packet cache is locked, so any number of VFS threads
/// may call at once; each call blocks until its requests are done.
public final class AMIEBackend: Backend {
    public let name: String
    public let cachePolicy: CachePolicy
    public let isWritable: Bool
    public let client: AMIEClient
    let configuration: AMIEConfiguration
    let logger: Logger
    let cache: AMIEPacketCache
    /// The synthetic directories report the mount time as their mtime.
    private let createdAt = Date()
    /// Where reads report the service they came from (`user.sciencefs.served_from`).
    let readOrigins = ReadOriginSlot()

    public init(configuration: AMIEConfiguration, http: HTTPClient, logger: Logger) {
        self.name = configuration.name
        self.cachePolicy = configuration.cachePolicy
        self.isWritable = configuration.isWritable
        self.configuration = configuration
        self.logger = logger
        self.client = AMIEClient(configuration: configuration, http: http)
        self.cache = AMIEPacketCache(ttl: configuration.cachePolicy.attributeTTL)
    }

    public convenience init(configuration: AMIEConfiguration, logger: Logger) {
        self.init(configuration: configuration,
                  http: HTTPClient(configuration: configuration.httpClientConfiguration, logger: logger), logger: logger)
    }

    // MARK: Metadata

    public func stat(_ path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("stat", path) {
            switch try AMIELocation(path) {
            case .root, .packets, .transactions:
                return .directory(mtime: createdAt, permissions: 0o555)
            case .direction(.incoming):
                return .directory(mtime: createdAt, permissions: 0o555)
            case .direction(.outgoing):
                return .directory(mtime: createdAt, permissions: isWritable ? 0o755 : 0o555)
            case .directionEntry(let direction, _, let parsed):
                guard let parsed else { throw FSError.notFound }
                let file = try packetFile(parsed.recID)
                guard file.packet.type == parsed.type, file.packet.outgoing == (direction == .outgoing) else {
                    throw FSError.notFound
                }
                return file.attributes
            case .transaction(let id):
                return transactionAttributes(try fetchTransaction(id))
            case .transactionEntry(let id, _, let parsed):
                guard let parsed else { throw FSError.notFound }
                let file = try packetFile(parsed.recID)
                guard file.packet.type == parsed.type, file.packet.transRecID == id else { throw FSError.notFound }
                return file.attributes
            }
        }
    }

    public func list(_ path: RemotePath) throws -> [RemoteEntry] {
        try mapErrors("list", path) {
            switch try AMIELocation(path) {
            case .root:
                return [AMIELocation.packetsDirectory, AMIELocation.transactionsDirectory].map {
                    RemoteEntry(name: $0, attributes: .directory(mtime: createdAt, permissions: 0o555))
                }
            case .packets:
                return [
                    RemoteEntry(name: "incoming", attributes: .directory(mtime: createdAt, permissions: 0o555)),
                    RemoteEntry(name: "outgoing", attributes: .directory(mtime: createdAt, permissions: isWritable ? 0o755 : 0o555)),
                ]
            case .direction(let direction):
                let packets = try client.listPackets(direction == .incoming ? .incomingOnly : .outgoingOnly)
                // The server filters; a packet of the other direction would have no business here.
                return entries(for: packets.filter { $0.outgoing == (direction == .outgoing) })
            case .transactions:
                return try listTransactions()
            case .transaction(let id):
                return entries(for: try fetchTransaction(id).packets)
            case .directionEntry, .transactionEntry:
                throw FSError.notDirectory
            }
        }
    }

    /// One directory per transaction that `list_packets()` (no filter) returns, grouped from the packets, so
    /// the listing costs one request however many transactions there are.
    private func listTransactions() throws -> [RemoteEntry] {
        let packets = try client.listPackets()
        cache.store(packets.map(AMIEPacketFile.init))
        var byTransaction: [Int64: [AMIEPacket]] = [:]
        for packet in packets {
            guard let id = packet.transRecID else { continue }
            byTransaction[id, default: []].append(packet)
        }
        return byTransaction.keys.sorted().map { id in
            let members = byTransaction[id] ?? []
            let latest = members.compactMap(\.date).max() ?? Date(timeIntervalSince1970: 0)
            var xattrs = ["user.amie.trans_rec_id": String(id)]
            if let state = members.last(where: { $0.transactionState != nil })?.transactionState {
                xattrs["user.amie.state"] = state
            }
            return RemoteEntry(name: String(id), attributes: RemoteAttributes(kind: .directory, mtime: latest,
                                                                              permissions: 0o555, xattrs: xattrs))
        }
    }

    private func entries(for packets: [AMIEPacket]) -> [RemoteEntry] {
        let files = packets.map(AMIEPacketFile.init)
        cache.store(files)
        return files.map { RemoteEntry(name: $0.packet.fileName, attributes: $0.attributes) }
    }

    func fetchTransaction(_ id: Int64) throws -> AMIETransaction {
        let transaction = try client.transaction(transRecID: id)
        cache.store(transaction.packets.map(AMIEPacketFile.init))
        return transaction
    }

    func transactionAttributes(_ transaction: AMIETransaction) -> RemoteAttributes {
        let latest = transaction.packets.compactMap(\.date).max() ?? Date(timeIntervalSince1970: 0)
        var xattrs = ["user.amie.trans_rec_id": String(transaction.transRecID)]
        if let v = transaction.state { xattrs["user.amie.state"] = v }
        if let v = transaction.transactionID { xattrs["user.amie.transaction_id"] = String(v) }
        if let v = transaction.originatingSite { xattrs["user.amie.originating_site"] = v }
        if let v = transaction.remoteSite { xattrs["user.amie.remote_site"] = v }
        return RemoteAttributes(kind: .directory, mtime: latest, permissions: 0o555, xattrs: xattrs)
    }

    /// The packet's file, from the cache or with one `get_packet`.
    func packetFile(_ recID: Int64) throws -> AMIEPacketFile {
        if let cached = cache.file(recID) { return cached }
        let file = AMIEPacketFile(try client.packet(recID: recID))
        cache.store([file])
        return file
    }

    // MARK: Data

    @discardableResult
    public func read(_ path: RemotePath, offset: UInt64, length: UInt64,
                     sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        let file = try mapErrors("read", path) { () -> AMIEPacketFile in
            switch try AMIELocation(path) {
            case .directionEntry(_, _, let parsed?), .transactionEntry(_, _, let parsed?):
                let file = try packetFile(parsed.recID)
                guard file.packet.type == parsed.type else { throw FSError.notFound }
                return file
            case .directionEntry, .transactionEntry:
                throw FSError.notFound
            default:
                throw FSError.isDirectory
            }
        }
        let size = UInt64(file.bytes.count)
        guard offset < size, length > 0 else { return 0 }
        let end = offset + min(length, size - offset)
        try file.bytes[Int(offset)..<Int(end)].withUnsafeBytes { try sink($0) }
        readOrigins.value?.report(path, url: configuration.baseURL)
        return end - offset
    }

    public func attach(_ origins: ReadOrigins.Reporter) { readOrigins.value = origins }

    // MARK: Refused operations

    /// Packets are records of what the allocation service and the site said to each other: they are never
    /// deleted, renamed or grouped into new directories.
    public func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes { throw FSError.permissionDenied }
    public func delete(_ path: RemotePath, kind: NodeKind) throws { throw FSError.permissionDenied }
    public func rename(_ from: RemotePath, to: RemotePath) throws { throw FSError.permissionDenied }

    // MARK: Error mapping

    /// Runs one backend operation and turns whatever it throws into an `FSError` whose cause names the service, the
    /// operation and the object (logged once, at the FUSE boundary). Tokens never reach it: errors carry no headers.
    func mapErrors<R>(_ operation: String, _ path: RemotePath, _ body: () throws -> R) throws -> R {
        try ServiceOperation.run(map: { AMIEErrorMapping.fsError($0, operation: operation, target: path.string) }, body)
    }
}
