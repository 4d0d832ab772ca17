import Foundation

/// Who sent a request, as the server's `UserCredentials` sees it: a DN from a verified client certificate, or
/// the DN an accepted bearer token stands for.
struct ClientIdentity: Sendable {
    enum Method: String, Sendable {
        case certificate
        case oauth2
    }

    let dn: String
    let method: Method
    let voName: String
    /// First 16 hex digits of SHA-1(DN followed by each FQAN); the emulator has no VOMS, so no FQANs.
    let delegationID: String
    /// The client certificate as nginx passed it (PEM), for `GET /whoami/certificate`.
    let certificatePEM: String?
    /// The bearer token of an oauth2 request; the server uses it as the storage token of submitted files.
    let bearerToken: String?
}
