import EmulatorSupport
import Foundation

/// The emulated server's state: packets, transactions and the rules that move them along. Thread-safe (one lock;
/// every operation is short and in memory).
///
/// Flow: the allocation service ("remote") opens a transaction with a request packet (incoming for the site).
/// The site answers with the expected reply (`in_reply_to` set; keys the server can infer are filled in from the
/// packet answered). With `autoReply`, the remote then answers in turn — `notify_project_create` gets
/// `data_project_create`, a `notify_*_inactivate` gets `inform_transaction_complete` — until an
/// `inform_transaction_complete` closes the transaction as `completed`. A site may mark a transaction `failed`.
final class PacketStore: @unchecked Sendable {
    let localSite: String
    let remoteSite: String
    let autoReply: Bool
    private let lock = NSLock()
    private var packets: [Int64: EmulatedPacket] = [:]
    private var transactions: [Int64: EmulatedTransaction] = [:]
    private var nextPacketRecID: Int64 = 100_001
    private var nextTransRecID: Int64 = 5_001
    private var nextTransactionID: Int64 = 240_001

    init(localSite: String, remoteSite: String, autoReply: Bool) {
        self.localSite = localSite
        self.remoteSite = remoteSite
        self.autoReply = autoReply
    }

    // MARK: Reading

    func list(_ query: PacketQuery) -> [JSONValue] {
        lock.withLock {
            packets.keys.sorted().compactMap { id -> JSONValue? in
                guard let packet = packets[id], let transaction = transactions[packet.transRecID],
                      query.matches(packet, transaction: transaction) else { return nil }
                return render(packet, transaction)
            }
        }
    }

    func packetJSON(_ recID: Int64) throws -> JSONValue {
        try lock.withLock {
            guard let packet = packets[recID], let transaction = transactions[packet.transRecID] else {
                throw AMIEServerError(404, "Packet \(recID) not found")
            }
            return render(packet, transaction)
        }
    }

    func transactionJSON(_ transRecID: Int64) throws -> JSONValue {
        try lock.withLock {
            guard let transaction = transactions[transRecID] else {
                throw AMIEServerError(404, "Transaction \(transRecID) not found")
            }
            let members = packets.values.filter { $0.transRecID == transRecID }.sorted { $0.recID < $1.recID }
            return .object([
                ("DATA_TYPE", "transaction"), ("transaction_id", .int(transaction.transactionID)),
                ("trans_rec_id", .int(transRecID)), ("state", .string(transaction.state)),
                ("originating_site_name", .string(transaction.originatingSite)),
                ("local_site_name", .string(localSite)), ("remote_site_name", .string(remoteSite)),
                ("timestamp", .string(EmulatedPacket.timestamp(members.last?.updated ?? Date()))),
                ("DATA", .array(members.map { render($0, transaction) })),
            ])
        }
    }

    func snapshot(_ recID: Int64) -> (packet: EmulatedPacket, transaction: EmulatedTransaction)? {
        lock.withLock {
            guard let p = packets[recID], let t = transactions[p.transRecID] else { return nil }
            return (p, t)
        }
    }

    func allSnapshots() -> [(packet: EmulatedPacket, transaction: EmulatedTransaction)] {
        lock.withLock {
            packets.keys.sorted().compactMap { id in
                guard let p = packets[id], let t = transactions[p.transRecID] else { return nil }
                return (p, t)
            }
        }
    }

    func transactionState(_ transRecID: Int64) -> String? { lock.withLock { transactions[transRecID]?.state } }

    // MARK: Changes

    /// The allocation service opens a transaction with `type` (normally a `request_*`), arriving at the site.
    func openRemoteTransaction(type: String, body: [String: JSONValue], date: Date = Date()) throws -> EmulatedPacket {
        guard PacketRule.named(type) != nil else { throw AMIEServerError(400, "Unknown packet type \(type)") }
        return lock.withLock {
            let transaction = newTransaction(originatingSite: remoteSite)
            return addPacket(type: type, body: body, transaction: transaction, outgoing: false, inReplyTo: nil, date: date)
        }
    }

    /// `POST packets/{site}`: a packet from the site. Validated like the real server: a known type, every
    /// required key (a reply's inferable keys are filled in from the packet it answers), one resource.
    func receive(_ json: JSONValue, now: Date = Date()) throws -> JSONValue {
        guard let type = json["type"]?.stringValue else { throw AMIEServerError(400, "Packet has no type") }
        guard let rule = PacketRule.named(type) else { throw AMIEServerError(400, "Unknown packet type \(type)") }
        var body: [String: JSONValue] = [:]
        for (key, value) in json["body"]?.objectMembers ?? [] where value != .null { body[key] = value }
        let inReplyTo = json["header"]?["in_reply_to"]?.intValue.flatMap { $0 == 0 ? nil : $0 }

        return try lock.withLock {
            var answered: EmulatedPacket?
            if let inReplyTo {
                guard let packet = packets[inReplyTo] else {
                    throw AMIEServerError(404, "in_reply_to packet \(inReplyTo) not found")
                }
                guard transactions[packet.transRecID]?.state == "in-progress" else {
                    throw AMIEServerError(409, "Transaction of packet \(inReplyTo) is not in progress")
                }
                answered = packet
                for key in rule.inferable where body[key] == nil { body[key] = Self.infer(key, from: packet.body) }
            }
            // A reply need not carry what the server infers (even where the answered packet lacks it).
            let missing = rule.required.filter { body[$0] == nil && !(answered != nil && rule.inferable.contains($0)) }
            guard missing.isEmpty else {
                throw AMIEServerError(400, "Missing required data field(s): " + missing.joined(separator: ", "))
            }
            if rule.singleResource, let list = body["ResourceList"] {
                guard case .array(let items) = list, items.count == 1 else {
                    throw AMIEServerError(400, "ResourceList must have exactly one element")
                }
            }
            var transaction: EmulatedTransaction
            if var answered, let t = transactions[answered.transRecID] {
                transaction = t
                answered.state = "completed"
                answered.updated = now
                packets[answered.recID] = answered
            } else {
                transaction = newTransaction(originatingSite: localSite)
            }
            let sent = addPacket(type: type, body: body, transaction: transaction, outgoing: true, inReplyTo: inReplyTo, date: now)
            if type == PacketRule.itc {
                complete(transaction.transRecID, now: now)
            } else if autoReply, let replyType = rule.expectedReply {
                remoteAnswer(sent, with: replyType, now: now)
            }
            transaction = transactions[transaction.transRecID] ?? transaction
            return render(packets[sent.recID] ?? sent, transaction)
        }
    }

    func setClientState(_ recID: Int64, _ state: String?) throws {
        try update(recID) { $0.clientState = state }
    }

    func setClientJSON(_ recID: Int64, _ json: JSONValue?) throws {
        try update(recID) { $0.clientJSON = json }
    }

    func failTransaction(_ transRecID: Int64, now: Date = Date()) throws {
        try lock.withLock {
            guard var transaction = transactions[transRecID] else {
                throw AMIEServerError(404, "Transaction \(transRecID) not found")
            }
            transaction.state = "failed"
            transactions[transRecID] = transaction
            for (id, var packet) in packets where packet.transRecID == transRecID {
                if packet.state == "in-progress" { packet.state = "failed" }
                packet.updated = now
                packets[id] = packet
            }
        }
    }

    // MARK: Internals (lock held)

    private func update(_ recID: Int64, _ change: (inout EmulatedPacket) -> Void) throws {
        try lock.withLock {
            guard var packet = packets[recID] else { throw AMIEServerError(404, "Packet \(recID) not found") }
            change(&packet)
            packet.updated = Date()
            packets[recID] = packet
        }
    }

    private func render(_ packet: EmulatedPacket, _ transaction: EmulatedTransaction) -> JSONValue {
        packet.json(transaction: transaction, localSite: localSite, remoteSite: remoteSite)
    }

    private func newTransaction(originatingSite: String) -> EmulatedTransaction {
        let t = EmulatedTransaction(transRecID: nextTransRecID, transactionID: nextTransactionID,
                                    originatingSite: originatingSite, state: "in-progress")
        nextTransRecID += 1
        nextTransactionID += 1
        transactions[t.transRecID] = t
        return t
    }

    private func addPacket(type: String, body: [String: JSONValue], transaction: EmulatedTransaction, outgoing: Bool,
                           inReplyTo: Int64?, date: Date) -> EmulatedPacket {
        let sequence = Int64(packets.values.filter { $0.transRecID == transaction.transRecID }.count + 1)
        let packet = EmulatedPacket(recID: nextPacketRecID, packetID: sequence, transRecID: transaction.transRecID,
                                    type: type, body: body, outgoing: outgoing, state: "in-progress", clientState: nil,
                                    clientJSON: nil, inReplyTo: inReplyTo, date: date, updated: date)
        nextPacketRecID += 1
        packets[packet.recID] = packet
        return packet
    }

    private func complete(_ transRecID: Int64, now: Date) {
        transactions[transRecID]?.state = "completed"
        for (id, var packet) in packets where packet.transRecID == transRecID {
            packet.state = "completed"
            packet.updated = now
            packets[id] = packet
        }
    }

    /// The allocation service's answer to a packet the site sent.
    private func remoteAnswer(_ sent: EmulatedPacket, with type: String, now: Date) {
        var body: [String: JSONValue] = [:]
        let from = sent.body
        switch type {
        case "data_project_create":
            body = ["PersonID": from["PiPersonID"] ?? .null, "ProjectID": from["ProjectID"] ?? .null, "DnList": .array([])]
        case "data_account_create":
            body = ["PersonID": from["UserPersonID"] ?? .null, "ProjectID": from["ProjectID"] ?? .null, "DnList": .array([])]
        case PacketRule.itc:
            body = ["StatusCode": "Success", "DetailCode": "1", "Message": "OK"]
        default:
            for key in PacketRule.named(type)?.required ?? [] { if let v = from[key] { body[key] = v } }
        }
        body = body.filter { $0.value != .null }
        var answered = sent
        answered.state = "completed"
        packets[sent.recID] = answered
        guard let transaction = transactions[sent.transRecID] else { return }
        _ = addPacket(type: type, body: body, transaction: transaction, outgoing: false, inReplyTo: sent.recID,
                      date: now.addingTimeInterval(1))
        if type == PacketRule.itc { complete(sent.transRecID, now: now) }
    }

    /// A key a reply may leave out, taken from the packet it answers (under its own name, or the PI/user form of
    /// a person key, e.g. `PersonID` from `PiPersonID` or `UserPersonID`).
    static func infer(_ key: String, from answered: [String: JSONValue]) -> JSONValue? {
        answered[key] ?? answered["Pi" + key] ?? answered["User" + key]
    }
}
