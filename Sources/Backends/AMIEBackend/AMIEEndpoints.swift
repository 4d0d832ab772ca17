import SciencefsHTTP

/// The AMIE REST paths (docs/protocols/amie.md §2), relative to the versioned base URL, site name percent-encoded.
struct AMIEEndpoints: Sendable {
    let baseURL: String
    let site: String

    init(baseURL: String, siteName: String) {
        self.baseURL = baseURL
        self.site = PercentEncoding.pathSegment(siteName)
    }

    func packets(_ filter: AMIEPacketFilter) -> String {
        let query = filter.queryItems.map { PercentEncoding.formComponent($0.0) + "=" + PercentEncoding.formComponent($0.1) }
        return baseURL + "packets/\(site)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// `POST` target for a new packet.
    var sendPacket: String { baseURL + "packets/\(site)" }

    func packet(_ recID: Int64) -> String { baseURL + "packets/\(site)/\(recID)" }

    func clientState(_ recID: Int64, state: String) -> String {
        packet(recID) + "/client_state/" + PercentEncoding.pathSegment(state)
    }

    func clientState(_ recID: Int64) -> String { packet(recID) + "/client_state" }
    func clientJSON(_ recID: Int64) -> String { packet(recID) + "/client_json" }

    func transactionPackets(_ transRecID: Int64) -> String { baseURL + "transactions/\(site)/\(transRecID)/packets" }
    func transactionFailed(_ transRecID: Int64) -> String { baseURL + "transactions/\(site)/\(transRecID)/state/failed" }
}
