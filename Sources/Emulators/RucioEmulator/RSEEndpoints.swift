import EmulatorSupport
import Foundation
import Hummingbird

/// `/rses/…` (rses.py, record shape from core/rse.py `get_rse_protocols`).
struct RSEEndpoints {
    let state: RucioServerState

    func list() -> Response {
        RucioReplies.stream(state.storages.map { storage in
            .object([("id", .string(storage.id)), ("rse", .string(storage.name)),
                     ("rse_type", .string(storage.configuration.rseType)), ("deterministic", true), ("volatile", false)])
        })
    }

    func get(_ rse: String) throws -> Response {
        let storage = try state.requireStorage(rse)
        let available = storage.isAvailable
        let protocolInfo = JSONValue.object([
            ("hostname", "127.0.0.1"), ("scheme", .string(storage.configuration.scheme)),
            ("port", .int(Int64(storage.port ?? storage.configuration.port))), ("prefix", .string(storage.configuration.prefix)),
            ("impl", "rucio.rse.protocols.webdav.Default"),
            ("domains", .object([
                ("lan", .object([("read", 1), ("write", 1), ("delete", 1)])),
                ("wan", .object([("read", 1), ("write", 1), ("delete", 1), ("third_party_copy_read", 1),
                                 ("third_party_copy_write", 1)])),
            ])),
            ("extended_attributes", .null),
        ])
        return RucioReplies.json(.object([
            ("availability_delete", .bool(available)), ("availability_read", .bool(available)),
            ("availability_write", .bool(available)), ("credentials", .null), ("deterministic", true),
            ("domain", .array(["lan", "wan"])), ("id", .string(storage.id)), ("lfn2pfn_algorithm", "hash"),
            ("protocols", .array([protocolInfo])), ("qos_class", .null), ("rse", .string(storage.name)),
            ("rse_type", .string(storage.configuration.rseType)), ("sign_url", .null), ("staging_area", false),
            ("verify_checksum", true), ("volatile", false),
        ]))
    }

    func attributes(_ rse: String) throws -> Response {
        let storage = try state.requireStorage(rse)
        var members: [(String, JSONValue)] = [(storage.name, true), ("lfn2pfn_algorithm", "hash")]
        for (key, value) in storage.configuration.attributes.sorted(by: { $0.key < $1.key }) {
            members.removeAll { $0.0 == key }
            members.append((key, .string(value)))
        }
        return RucioReplies.json(.object(members))
    }

    /// `GET /rses/{rse}/lfns2pfns?lfn=scope:name[&lfn=…][&scheme=&domain=&operation=]`.
    func lfns2pfns(_ rse: String, request: RucioRequest) throws -> Response {
        let storage = try state.requireStorage(rse)
        if let scheme = request.queryValue("scheme"), scheme != storage.configuration.scheme {
            throw RucioError(404, "RSEProtocolNotSupported", "RSE does not support requested protocol. Details: scheme \(scheme)")
        }
        if let domain = request.queryValue("domain"), !["wan", "lan"].contains(domain) {
            throw RucioError(404, "RSEProtocolDomainNotSupported", "Domain \(domain) not supported")
        }
        var members: [(String, JSONValue)] = []
        var invalid: [String] = []
        for lfn in request.query["lfn"] ?? [] {
            guard let colon = lfn.firstIndex(of: ":") else { invalid.append(lfn); continue }
            let scope = String(lfn[..<colon])
            let name = String(lfn[lfn.index(after: colon)...])
            members.append((lfn, .string(storage.pfn(scope: scope, name: name))))
        }
        guard invalid.isEmpty else {
            throw RucioError(400, "InvalidPath", "LFN(s) in invalid format: " + invalid.joined(separator: ", "))
        }
        return RucioReplies.json(.object(members))
    }
}
