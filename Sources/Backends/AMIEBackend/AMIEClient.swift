import Foundation
import Logging
import SciencefsHTTP

/// A client for the AMIE REST API that sends what amieclient 0.4.0 sends (docs/protocols/amie.md): `XA-SITE` and
/// `XA-API-KEY` on every request, JSON bodies, and success only on HTTP 200 with a JSON reply.
///
/// Blocking and thread-safe (the HTTP client is). Errors are `AMIEClientError`.
public final class AMIEClient: Sendable {
    public let siteName: String
    let endpoints: AMIEEndpoints
    private let apiKey: String
    private let http: HTTPClient

    public init(configuration: AMIEConfiguration, http: HTTPClient) {
        self.siteName = configuration.siteName
        self.apiKey = configuration.apiKey
        self.endpoints = AMIEEndpoints(baseURL: configuration.baseURL, siteName: configuration.siteName)
        self.http = http
    }

    public convenience init(configuration: AMIEConfiguration, logger: Logger) {
        self.init(configuration: configuration,
                  http: HTTPClient(configuration: configuration.httpClientConfiguration, logger: logger))
    }

    // MARK: Packets

    /// `list_packets(...)`: the packets matching `filter`.
    public func listPackets(_ filter: AMIEPacketFilter = AMIEPacketFilter()) throws -> [AMIEPacket] {
        let reply = try call(.get, endpoints.packets(filter))
        guard let result = reply["result"]?.arrayValue else { throw AMIEClientError.malformed("packet list without result") }
        return try result.map(AMIEPacket.init(json:))
    }

    /// `get_packet(packet_rec_id=)`.
    public func packet(recID: Int64) throws -> AMIEPacket {
        let reply = try call(.get, endpoints.packet(recID))
        guard let result = reply["result"], !result.isNull else { throw AMIEClientError.malformed("packet reply without result") }
        return try AMIEPacket(json: result)
    }

    /// `send_packet(packet)`: validates first (nothing is sent when validation fails), then POSTs the packet
    /// normalized as amieclient's `as_dict()`. Returns the server's reply document.
    @discardableResult
    public func send(_ packet: AMIEJSON) throws -> AMIEJSON {
        let normalized: AMIEJSON
        do { normalized = try AMIEPacketValidator.validated(packet) } catch let error as AMIEValidationError {
            throw AMIEClientError.invalidPacket(error)
        }
        return try call(.post, endpoints.sendPacket, body: normalized)
    }

    /// `set_packet_client_state(packet, state)`.
    public func setClientState(recID: Int64, state: String) throws {
        try call(.put, endpoints.clientState(recID, state: state))
    }

    /// `clear_packet_client_state(packet)`.
    public func clearClientState(recID: Int64) throws {
        try call(.delete, endpoints.clientState(recID))
    }

    /// `set_packet_client_json(packet, obj)`.
    public func setClientJSON(recID: Int64, json: AMIEJSON) throws {
        try call(.put, endpoints.clientJSON(recID), body: json)
    }

    /// `clear_packet_client_json(packet)`.
    public func clearClientJSON(recID: Int64) throws {
        try call(.delete, endpoints.clientJSON(recID))
    }

    // MARK: Transactions

    /// `get_transaction(transaction_or_id=)`.
    public func transaction(transRecID: Int64) throws -> AMIETransaction {
        let reply = try call(.get, endpoints.transactionPackets(transRecID))
        guard let result = reply["result"] else { throw AMIEClientError.malformed("transaction reply without result") }
        return try AMIETransaction(json: result, transRecID: transRecID)
    }

    /// `set_transaction_failed(transaction_or_id=)`.
    public func setTransactionFailed(transRecID: Int64) throws {
        try call(.put, endpoints.transactionFailed(transRecID))
    }

    // MARK: Transport

    @discardableResult
    private func call(_ method: HTTPMethod, _ url: String, body: AMIEJSON? = nil) throws -> AMIEJSON {
        var headers = HTTPHeaders()
        headers.add("XA-API-KEY", apiKey)
        headers.add("XA-SITE", siteName)
        headers.add("Accept", "application/json")
        let request = HTTPRequest(method: method, url: url, headers: headers,
                                  body: body.map { .data($0.compactData(), contentType: "application/json") } ?? .none)
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch let error as HTTPError {
            if case .status(let code, let errorBody) = error {
                throw AMIEClientError.server(status: code, message: AMIEClientError.message(in: errorBody))
            }
            throw AMIEClientError.transport(error)
        }
        // amieclient accepts exactly 200 and always parses the body as JSON.
        guard response.status == 200 else {
            throw AMIEClientError.server(status: response.status, message: AMIEClientError.message(in: response.body))
        }
        do { return try AMIEJSON.parse(response.body) } catch {
            throw AMIEClientError.malformed("\(method) \(URLRedaction.redact(url)): reply is not JSON")
        }
    }
}
