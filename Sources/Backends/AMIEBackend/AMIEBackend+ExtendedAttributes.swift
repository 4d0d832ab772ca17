import Foundation
import SciencefsCore

/// xattrs: reading them answers from the packet (fresh within the attribute TTL); setting one is an API call.
extension AMIEBackend {
    public static let clientStateAttribute = "user.amie.client_state"
    public static let clientJSONAttribute = "user.amie.client_json"
    public static let stateAttribute = "user.amie.state"

    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        try mapErrors("xattrs", path) {
            switch try AMIELocation(path) {
            case .directionEntry(_, _, let parsed?), .transactionEntry(_, _, let parsed?):
                // The cache is dropped whenever this mount changes a packet, so this is the server's current view.
                return AMIEPacketFile.xattrs(of: try packetFile(parsed.recID).packet)
            default:
                return attributes.xattrs
            }
        }
    }

    /// `user.amie.client_state` / `user.amie.client_json` on a packet file set (or, with an empty value, clear)
    /// the packet's client state or JSON. `user.amie.state` = `failed` on a transaction directory marks the
    /// transaction failed. Anything else is ENOTSUP.
    public func setExtendedAttribute(of path: RemotePath, name attribute: String, value: String) throws {
        guard isWritable else { throw FSError.readOnly }
        try mapErrors("setxattr \(attribute)", path) {
            switch try AMIELocation(path) {
            case .directionEntry(_, _, let parsed?), .transactionEntry(_, _, let parsed?):
                let file = try packetFile(parsed.recID)
                guard file.packet.type == parsed.type else { throw FSError.notFound }
                let id = parsed.recID
                switch attribute {
                case Self.clientStateAttribute:
                    let state = value.trimmingCharacters(in: .whitespacesAndNewlines)
                    if state.isEmpty { try client.clearClientState(recID: id) } else {
                        guard !state.contains("/") else { throw FSError.invalidArgument("a client state cannot contain '/'") }
                        try client.setClientState(recID: id, state: state)
                    }
                case Self.clientJSONAttribute:
                    if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        try client.clearClientJSON(recID: id)
                    } else {
                        guard let json = try? AMIEJSON.parse(Data(value.utf8)) else {
                            throw FSError.invalidArgument("\(attribute) must be JSON")
                        }
                        try client.setClientJSON(recID: id, json: json)
                    }
                default:
                    throw FSError.unsupported
                }
                cache.remove(id)
                logger.info("AMIE packet updated", metadata: ["source": "\(name)", "packet_rec_id": "\(id)",
                                                              "attribute": "\(attribute)"])
            case .transaction(let id):
                guard attribute == Self.stateAttribute else { throw FSError.unsupported }
                guard value.trimmingCharacters(in: .whitespacesAndNewlines) == "failed" else {
                    throw FSError.invalidArgument("a transaction's state can only be set to \"failed\"")
                }
                try client.setTransactionFailed(transRecID: id)
                // Every packet of the transaction now carries the new transaction_state.
                cache.removeAll()
                logger.info("AMIE transaction marked failed", metadata: ["source": "\(name)", "trans_rec_id": "\(id)"])
            default:
                throw FSError.unsupported
            }
        }
    }
}
