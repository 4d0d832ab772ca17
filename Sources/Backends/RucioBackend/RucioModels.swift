import Foundation

/// The three kinds of DID. The server writes the names (`FILE`); some replies carry the DB letters (`F`).
public enum DIDType: String, Sendable, Equatable, Codable {
    case file = "FILE"
    case dataset = "DATASET"
    case container = "CONTAINER"

    init?(wire: String) {
        switch wire.uppercased() {
        case "FILE", "F": self = .file
        case "DATASET", "D": self = .dataset
        case "CONTAINER", "C": self = .container
        default: return nil
        }
    }

    var isCollection: Bool { self != .file }
}

/// One DID as `GET /dids/{scope}/{name}`, `GET /dids/{scope}/{name}/dids` and `GET /dids/{scope}/` describe it.
/// Only `scope`, `name` and the type are required; everything else is optional because each endpoint (and each
/// server version) sends a different subset.
struct DIDRecord: Decodable, Sendable, Equatable {
    var scope: String
    var name: String
    var type: DIDType
    var bytes: UInt64?
    var adler32: String?
    var md5: String?
    /// Collections only; nil when the endpoint does not say.
    var open: Bool?
    var updatedAt: Date?
    var createdAt: Date?

    var did: DID { DID(scope: scope, name: name) }

    init(scope: String, name: String, type: DIDType, bytes: UInt64? = nil, adler32: String? = nil, md5: String? = nil,
         open: Bool? = nil, updatedAt: Date? = nil, createdAt: Date? = nil) {
        self.scope = scope
        self.name = name
        self.type = type
        self.bytes = bytes
        self.adler32 = adler32
        self.md5 = md5
        self.open = open
        self.updatedAt = updatedAt
        self.createdAt = createdAt
    }

    private enum Keys: String, CodingKey {
        case scope, name, type, did_type, bytes, adler32, md5, open, updated_at, created_at
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        scope = try c.decode(String.self, forKey: .scope)
        name = try c.decode(String.self, forKey: .name)
        let wireType = try c.decodeIfPresent(String.self, forKey: .type) ?? c.decodeIfPresent(String.self, forKey: .did_type)
        guard let wireType, let type = DIDType(wire: wireType) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "missing or unknown DID type")
        }
        self.type = type
        bytes = try c.decodeLenientUInt64(forKey: .bytes)
        adler32 = try c.decodeIfPresent(String.self, forKey: .adler32)
        md5 = try c.decodeIfPresent(String.self, forKey: .md5)
        open = try c.decodeIfPresent(Bool.self, forKey: .open)
        updatedAt = (try? c.decodeIfPresent(String.self, forKey: .updated_at)).flatMap { $0.flatMap(RucioDate.parse) }
        createdAt = (try? c.decodeIfPresent(String.self, forKey: .created_at)).flatMap { $0.flatMap(RucioDate.parse) }
    }
}

/// One file's record in a `POST /replicas/list` reply (docs/protocols/rucio.md §6.3).
struct ReplicaRecord: Decodable, Sendable, Equatable {
    var scope: String
    var name: String
    var bytes: UInt64?
    var adler32: String?
    var md5: String?
    /// PFN → where it lives and how the server ranks it.
    var pfns: [String: PFNInfo]
    /// RSE → replica state (`AVAILABLE`, …).
    var states: [String: String]
    /// RSE → its PFNs (used when `pfns` lacks an entry's RSE).
    var rses: [String: [String]]

    private enum Keys: String, CodingKey { case scope, name, bytes, adler32, md5, pfns, states, rses }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        scope = try c.decode(String.self, forKey: .scope)
        name = try c.decode(String.self, forKey: .name)
        bytes = try c.decodeLenientUInt64(forKey: .bytes)
        adler32 = try c.decodeIfPresent(String.self, forKey: .adler32)
        md5 = try c.decodeIfPresent(String.self, forKey: .md5)
        pfns = try c.decodeIfPresent([String: PFNInfo].self, forKey: .pfns) ?? [:]
        states = try c.decodeIfPresent([String: String].self, forKey: .states) ?? [:]
        rses = try c.decodeIfPresent([String: [String]].self, forKey: .rses) ?? [:]
    }

    init(scope: String, name: String, bytes: UInt64?, adler32: String? = nil, md5: String? = nil,
         pfns: [String: PFNInfo], states: [String: String], rses: [String: [String]] = [:]) {
        self.scope = scope
        self.name = name
        self.bytes = bytes
        self.adler32 = adler32
        self.md5 = md5
        self.pfns = pfns
        self.states = states
        self.rses = rses
    }
}

struct PFNInfo: Decodable, Sendable, Equatable {
    var rse: String
    /// `DISK` or `TAPE`.
    var type: String?
    /// `lan`, `wan` or `zip` (a file inside an archive).
    var domain: String?
    /// 1-based, the server's preference order.
    var priority: Int?
    var clientExtract: Bool?

    private enum Keys: String, CodingKey { case rse, type, domain, priority, client_extract }

    init(rse: String, type: String? = "DISK", domain: String? = "wan", priority: Int? = nil, clientExtract: Bool? = false) {
        self.rse = rse
        self.type = type
        self.domain = domain
        self.priority = priority
        self.clientExtract = clientExtract
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        rse = try c.decode(String.self, forKey: .rse)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        domain = try c.decodeIfPresent(String.self, forKey: .domain)
        priority = try? c.decodeIfPresent(Int.self, forKey: .priority)
        clientExtract = try? c.decodeIfPresent(Bool.self, forKey: .client_extract)
    }
}

/// `GET /rses/{rse}` (docs/protocols/rucio.md §6.4): what an upload needs.
struct RSEInfo: Decodable, Sendable, Equatable {
    var rse: String
    var deterministic: Bool
    var lfn2pfnAlgorithm: String?
    var availabilityWrite: Bool?
    var protocols: [RSEProtocol]

    private enum Keys: String, CodingKey { case rse, deterministic, lfn2pfn_algorithm, availability_write, protocols }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        rse = try c.decode(String.self, forKey: .rse)
        deterministic = try c.decodeIfPresent(Bool.self, forKey: .deterministic) ?? true
        lfn2pfnAlgorithm = try? c.decodeIfPresent(String.self, forKey: .lfn2pfn_algorithm)
        availabilityWrite = try? c.decodeIfPresent(Bool.self, forKey: .availability_write)
        protocols = try c.decodeIfPresent([RSEProtocol].self, forKey: .protocols) ?? []
    }
}

struct RSEProtocol: Decodable, Sendable, Equatable {
    var scheme: String
    var hostname: String
    var port: Int
    var prefix: String?
    /// The WAN write priority: 0 (or absent) = not usable for writing; lower is preferred.
    var wanWrite: Int
    var wanRead: Int

    private enum Keys: String, CodingKey { case scheme, hostname, port, prefix, domains }
    private struct Domains: Decodable { var wan: Operations? }
    private struct Operations: Decodable { var read: Int?; var write: Int? }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        scheme = try c.decode(String.self, forKey: .scheme)
        hostname = try c.decode(String.self, forKey: .hostname)
        if let number = try? c.decode(Int.self, forKey: .port) {
            port = number
        } else if let text = try? c.decode(String.self, forKey: .port), let number = Int(text) {
            port = number
        } else {
            throw DecodingError.dataCorruptedError(forKey: .port, in: c, debugDescription: "missing port")
        }
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        let domains = try? c.decodeIfPresent(Domains.self, forKey: .domains)
        wanWrite = domains?.wan?.write ?? 0
        wanRead = domains?.wan?.read ?? 0
    }
}

extension KeyedDecodingContainer {
    /// Sizes arrive as numbers, occasionally as numeric strings, or null.
    func decodeLenientUInt64(forKey key: Key) throws -> UInt64? {
        if let value = try? decodeIfPresent(UInt64.self, forKey: key) { return value }
        if let text = try? decodeIfPresent(String.self, forKey: key) { return UInt64(text) }
        return nil
    }
}
