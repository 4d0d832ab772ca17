import Foundation

/// Who the server thinks we are (`GET /whoami`, docs/protocols/fts3.md §3.1): the identity our delegations and jobs belong to.
public struct FTS3WhoAmI: Sendable, Decodable, Equatable {
    /// The DN from the certificate, or the token's subject for OAuth2.
    public var userDN: String
    /// 16 hex characters derived from the DN (and VOMS attributes): names our delegated proxy.
    public var delegationID: String
    /// `certificate` or `oauth2`.
    public var method: String
    public var vos: [String]

    public init(userDN: String, delegationID: String, method: String, vos: [String]) {
        self.userDN = userDN
        self.delegationID = delegationID
        self.method = method
        self.vos = vos
    }

    enum CodingKeys: String, CodingKey {
        case userDN = "user_dn", delegationID = "delegation_id", method, vos
    }

    /// `user_dn` and `delegation_id` are required; `method` and `vos` default to empty (older servers).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userDN = try container.decode(String.self, forKey: .userDN)
        delegationID = try container.decode(String.self, forKey: .delegationID)
        method = try container.decodeIfPresent(String.self, forKey: .method) ?? ""
        vos = try container.decodeIfPresent([String].self, forKey: .vos) ?? []
    }
}
