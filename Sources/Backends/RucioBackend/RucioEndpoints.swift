import SciencefsHTTP

/// URLs of the Rucio REST API (docs/protocols/rucio.md §6). Scope and name are each one percent-encoded path segment, so a
/// `/` inside a DID name travels as `%2F`, as the Python client sends it.
struct RucioEndpoints: Sendable {
    let base: String

    private func seg(_ text: String) -> String { PercentEncoding.pathSegment(text) }

    var scopes: String { base + "/scopes/" }
    func accountScopes(_ account: String) -> String { base + "/accounts/\(seg(account))/scopes/" }
    /// Top-level DIDs of a scope: those that are not a child of anything in the same scope.
    func scopeTopLevel(_ scope: String) -> String { base + "/dids/\(seg(scope))/" }
    func did(_ did: DID) -> String { base + "/dids/\(seg(did.scope))/\(seg(did.name))" }
    func content(_ did: DID) -> String { self.did(did) + "/dids" }
    func meta(_ did: DID, plugin: String = "ALL") -> String { self.did(did) + "/meta?plugin=\(plugin)" }
    var replicasList: String { base + "/replicas/list" }
    var replicas: String { base + "/replicas" }
    /// Trailing slash kept: the client sends it (§7.9).
    var rules: String { base + "/rules/" }
    func rule(_ id: String) -> String { base + "/rules/\(seg(id))" }
    func rse(_ rse: String) -> String { base + "/rses/\(seg(rse))" }
    func lfns2pfns(rse: String, did: DID, scheme: String) -> String {
        base + "/rses/\(seg(rse))/lfns2pfns?lfn=\(PercentEncoding.formComponent(did.description))"
            + "&scheme=\(PercentEncoding.formComponent(scheme))&domain=wan&operation=write"
    }
}
