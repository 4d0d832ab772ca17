import EmulatorSupport
import Foundation
import Hummingbird
import Logging

/// A stateful AMIE REST server on 127.0.0.1 for the demo and the tests, speaking the protocol of
/// docs/protocols/amie.md as amieclient 0.4.0 expects it: packets and transactions for one site, the
/// `list_packets` filters, client state and client JSON, failing a transaction, and — with `autoReply` — the
/// allocation service's side of each conversation (the expected reply to every packet the site sends).
///
/// Test hooks: `requestLog`, `faults`, and the packet/transaction snapshots below. Thread-safe; `start`/`stop`
/// block briefly and must not be called concurrently with each other.
public final class AMIEEmulator: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The site whose packets this server holds (`XA-SITE`).
        public var siteName: String
        public var apiKey: String
        /// The allocation service's site name (the other end of every transaction).
        public var remoteSiteName: String
        /// Answer each packet the site sends with the packet the remote side would send next.
        public var autoReply: Bool
        public var logger: Logger

        public init(siteName: String = "TESTSITE", apiKey: String = "amie-test-key", remoteSiteName: String = "ACCESS",
                    autoReply: Bool = true, logger: Logger = Logger(label: "amie-emulator")) {
            self.siteName = siteName
            self.apiKey = apiKey
            self.remoteSiteName = remoteSiteName
            self.autoReply = autoReply
            self.logger = logger
        }
    }

    /// A read-only view of one stored packet, for assertions.
    public struct PacketSnapshot: Sendable, Equatable {
        public let packetRecID: Int64
        public let transRecID: Int64
        public let type: String
        public let outgoing: Bool
        public let state: String
        public let transactionState: String
        public let clientState: String?
        /// Compact JSON of the client JSON, or nil.
        public let clientJSON: String?
        public let inReplyTo: Int64?
        /// Sorted body keys and the compact JSON of the whole body.
        public let bodyKeys: [String]
        public let bodyJSON: String
    }

    public let configuration: Configuration
    public let requestLog = RequestLog()
    public let faults = FaultInjector()
    let store: PacketStore
    private let server: LoopbackServer<AMIEResponder>

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        store = PacketStore(localSite: configuration.siteName, remoteSite: configuration.remoteSiteName,
                            autoReply: configuration.autoReply)
        server = LoopbackServer(responder: AMIEResponder(store: store, apiKey: configuration.apiKey,
                                                         requestLog: requestLog, faults: faults),
                                logger: configuration.logger)
    }

    deinit { stop() }

    /// Starts serving on 127.0.0.1 (`port` 0 picks a free one); returns the bound port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        let bound = try server.start(port: port)
        configuration.logger.info("AMIE emulator listening", metadata: ["url": "\(baseURL.absoluteString)"])
        return bound
    }

    public func stop() {
        faults.removeAll() // ends any `.hang` so the server can stop
        if !server.stop() { configuration.logger.warning("AMIE emulator did not stop within 10 s") }
    }

    /// The versioned API base as amieclient takes it (`amie_url`): `http://127.0.0.1:<port>/v0.10/`.
    public var baseURL: URL {
        URL(string: "http://127.0.0.1:\(server.port ?? 0)/v0.10/") ?? URL(fileURLWithPath: "/")
    }

    /// The allocation service opens a transaction: a packet of `type` with `body` (a JSON object) arrives at the
    /// site. Returns the new packet's `packet_rec_id`.
    @discardableResult
    public func receiveFromRemote(type: String, body bodyJSON: String, date: Date = Date()) throws -> Int64 {
        guard let parsed = RequestJSON.parse(Data(bodyJSON.utf8)), let members = parsed.objectMembers else {
            throw EmulatorError.invalidBody(type)
        }
        var body: [String: JSONValue] = [:]
        for (key, value) in members { body[key] = value }
        do {
            return try store.openRemoteTransaction(type: type, body: body, date: date).recID
        } catch let error as AMIEServerError {
            throw EmulatorError.rejected(error.message)
        }
    }

    public func packet(_ recID: Int64) -> PacketSnapshot? { store.snapshot(recID).map(Self.snapshot) }

    /// Every stored packet in `packet_rec_id` order.
    public var packets: [PacketSnapshot] { store.allSnapshots().map(Self.snapshot) }

    public func transactionState(_ transRecID: Int64) -> String? { store.transactionState(transRecID) }

    private static func snapshot(_ pair: (packet: EmulatedPacket, transaction: EmulatedTransaction)) -> PacketSnapshot {
        let p = pair.packet
        let body = JSONValue.object(p.body.keys.sorted().map { ($0, p.body[$0] ?? .null) })
        return PacketSnapshot(packetRecID: p.recID, transRecID: p.transRecID, type: p.type, outgoing: p.outgoing,
                              state: p.state, transactionState: pair.transaction.state, clientState: p.clientState,
                              clientJSON: p.clientJSON?.serialized(), inReplyTo: p.inReplyTo,
                              bodyKeys: p.body.keys.sorted(), bodyJSON: body.serialized())
    }

    public enum EmulatorError: Error, CustomStringConvertible {
        case invalidBody(String)
        case rejected(String)

        public var description: String {
            switch self {
            case .invalidBody(let type): return "the body of the \(type) packet is not a JSON object"
            case .rejected(let why): return "AMIE emulator rejected the packet: \(why)"
            }
        }
    }
}
