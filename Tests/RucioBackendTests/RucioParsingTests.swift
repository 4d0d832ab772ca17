@testable import RucioBackend
import Foundation
import SciencefsCore
import XCTest

/// Pure parsing and mapping rules: no server involved.
final class RucioParsingTests: XCTestCase {
    // MARK: INI

    func testINIParserReadsSectionsCommentsContinuationsAndCaseInsensitiveKeys() {
        let ini = INIFile(parsing: """
        # a comment
        [common]
        logdir = /var/log/rucio

        [client]
        rucio_host = https://rucio.example.org:443
        Auth_Host: https://rucio-auth.example.org
        ; another comment
        account=alice
        password = p=ss:word
        ca_cert = /etc/grid-security/certificates
        oidc_scope = openid
          profile
        empty =
        """)
        XCTAssertEqual(ini.value("client", "rucio_host"), "https://rucio.example.org:443")
        XCTAssertEqual(ini.value("client", "auth_host"), "https://rucio-auth.example.org")
        XCTAssertEqual(ini.value("client", "ACCOUNT"), "alice")
        XCTAssertEqual(ini.value("client", "password"), "p=ss:word", "only the first separator splits")
        XCTAssertEqual(ini.value("client", "oidc_scope"), "openid\nprofile")
        XCTAssertNil(ini.value("client", "empty"))
        XCTAssertEqual(ini.value("common", "logdir"), "/var/log/rucio")
        XCTAssertNil(ini.value("Client", "account"), "section names are case-sensitive as in configparser")
    }

    func testConfigurationFromRucioCfgUsesFileThenEnvironmentOverrides() throws {
        let ini = INIFile(parsing: """
        [client]
        rucio_host = https://rucio.example.org/
        auth_type = userpass
        username = ddmlab
        password = secret
        account = root
        """)
        let config = try RucioConfiguration.fromRucioConfig(ini: ini, origin: "test.cfg",
                                                             environment: ["RUCIO_ACCOUNT": "alice", "RUCIO_VO": "atl"])
        XCTAssertEqual(config.rucioHost, "https://rucio.example.org")
        XCTAssertEqual(config.authHost, "https://rucio.example.org", "auth_host defaults to rucio_host")
        XCTAssertEqual(config.account, "alice")
        XCTAssertEqual(config.vo, "atl")
        XCTAssertEqual(config.credentials, .userpass(username: "ddmlab", password: "secret"))
        XCTAssertFalse(config.description.contains("secret"), "the password never appears in a description")
        XCTAssertFalse("\(config.credentials)".contains("secret"))
    }

    func testConfigurationAuthTypesAndBearerTokenDiscovery() throws {
        let base = "[client]\nrucio_host = https://r\n"
        let proxy = try RucioConfiguration.fromRucioConfig(ini: INIFile(parsing: base + "auth_type = x509_proxy\n"),
                                                            origin: "t", environment: ["X509_USER_PROXY": "/tmp/p"])
        XCTAssertEqual(proxy.credentials, .x509Proxy(path: "/tmp/p"))
        let x509 = try RucioConfiguration.fromRucioConfig(
            ini: INIFile(parsing: base + "auth_type = x509\nclient_cert = /c.pem\nclient_key = /k.pem\n"), origin: "t", environment: [:])
        XCTAssertEqual(x509.credentials, .x509(certificate: "/c.pem", key: "/k.pem"))
        let bearer = try RucioConfiguration.fromRucioConfig(ini: INIFile(parsing: base + "auth_type = oidc\n"),
                                                             origin: "t", environment: ["BEARER_TOKEN": "eyJ.x.y\n"])
        XCTAssertEqual(bearer.credentials, .token("eyJ.x.y"))
        let file = try RucioConfiguration.fromRucioConfig(ini: INIFile(parsing: base), origin: "t",
                                                           environment: ["RUCIO_AUTH_TYPE": "oidc", "BEARER_TOKEN_FILE": "/run/bt"])
        XCTAssertEqual(file.credentials, .tokenFile("/run/bt"))
        XCTAssertThrowsError(try RucioConfiguration.fromRucioConfig(ini: INIFile(parsing: base + "auth_type = gss\n"),
                                                                     origin: "t", environment: [:]))
        XCTAssertThrowsError(try RucioConfiguration.fromRucioConfig(ini: INIFile(parsing: "[client]\naccount=a\n"),
                                                                     origin: "t", environment: [:]))
    }

    func testRucioConfigLocationFollowsTheClientsSearchOrder() {
        let exists: (String) -> Bool = { $0 == "/venv/etc/rucio.cfg" || $0 == "/opt/rucio/etc/rucio.cfg" }
        XCTAssertEqual(RucioConfiguration.rucioConfigLocation(environment: ["RUCIO_CONFIG": "/x.cfg"], fileExists: exists)?.path, "/x.cfg")
        XCTAssertEqual(RucioConfiguration.rucioConfigLocation(environment: ["RUCIO_HOME": "/home", "VIRTUAL_ENV": "/venv"],
                                                              fileExists: exists)?.path, "/venv/etc/rucio.cfg")
        XCTAssertEqual(RucioConfiguration.rucioConfigLocation(environment: [:], fileExists: exists)?.path, "/opt/rucio/etc/rucio.cfg")
        XCTAssertNil(RucioConfiguration.rucioConfigLocation(environment: [:], fileExists: { _ in false }))
    }

    // MARK: Names

    func testDIDNamesRoundTripThroughFileNames() throws {
        let names = ["plain.root", "a/b/c", "/leading/slash", "100%", "%2F", "with space", "ünïcødé ✓", "x:y", ".", "..", "...", "nul\u{0}byte"]
        for name in names {
            let encoded = try XCTUnwrap(DIDNameCoding.encode(name))
            XCTAssertFalse(encoded.contains("/"), encoded)
            XCTAssertFalse(encoded.contains("\u{0}"), encoded)
            XCTAssertNotEqual(encoded, ".")
            XCTAssertNotEqual(encoded, "..")
            XCTAssertEqual(try DIDNameCoding.decode(encoded), name)
        }
        XCTAssertEqual(DIDNameCoding.encode("a/b%c"), "a%2Fb%25c")
        XCTAssertNil(DIDNameCoding.encode(""), "an empty name cannot be shown")
    }

    func testFileNamesThatNoDIDMapsToAreRejected() {
        for bad in ["", ".", "..", "a%zz", "a%2f", "a%", "x:y:z"] {
            XCTAssertThrowsError(try DIDNameCoding.did(fromFileName: bad, parentScope: "s"), bad)
        }
    }

    func testChildrenFromAnotherScopeAreShownAsScopeColonName() throws {
        XCTAssertEqual(DIDNameCoding.fileName(scope: "user.alice", name: "ds", parentScope: "user.alice"), "ds")
        XCTAssertEqual(DIDNameCoding.fileName(scope: "data17", name: "raw/f", parentScope: "user.alice"), "data17:raw%2Ff")
        XCTAssertEqual(try DIDNameCoding.did(fromFileName: "data17:raw%2Ff", parentScope: "user.alice"),
                       DID(scope: "data17", name: "raw/f"))
        XCTAssertEqual(try DIDNameCoding.did(fromFileName: "f", parentScope: "user.alice"), DID(scope: "user.alice", name: "f"))
    }

    func testPathsResolveEachComponentInTheScopeOfItsDirectory() throws {
        XCTAssertEqual(try RucioLocation(RemotePath()), .root)
        XCTAssertEqual(try RucioLocation(RemotePath(["user.alice"])), .scope("user.alice"))
        XCTAssertEqual(try RucioLocation(RemotePath(["user.alice", "cont"])),
                       .did(DID(scope: "user.alice", name: "cont"), parent: .scope("user.alice")))
        XCTAssertEqual(try RucioLocation(RemotePath(["user.alice", "cont", "data17:ds", "f%2F1"])),
                       .did(DID(scope: "data17", name: "f/1"), parent: .collection(DID(scope: "data17", name: "ds"))))
    }

    // MARK: Streams

    func testLineSplitterDeliversLinesAcrossChunkBoundaries() throws {
        var splitter = JSONLineSplitter()
        var lines: [String] = []
        let text = "{\"a\":1}\n{\"b\":\r\n\n  \n2}\n\"tail\""
        // Feed one byte at a time: the worst case for boundaries.
        for byte in Data(text.utf8) {
            try splitter.feed(Data([byte])) { lines.append(String(decoding: $0, as: UTF8.self)) }
        }
        try splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        XCTAssertEqual(lines, ["{\"a\":1}", "{\"b\":", "2}", "\"tail\""])
    }

    func testLineSplitterRefusesAnUnboundedLine() {
        var splitter = JSONLineSplitter(maxLineLength: 8)
        XCTAssertThrowsError(try splitter.feed(Data("0123456789".utf8)) { _ in }) { error in
            XCTAssertEqual(error as? JSONStreamError, .lineTooLong(8))
        }
    }

    // MARK: Records

    func testDIDRecordsDecodeEveryShapeTheServerSends() throws {
        let decoder = JSONDecoder()
        let file = try decoder.decode(DIDRecord.self, from: Data("""
        {"scope":"s","name":"f","type":"FILE","account":"a","bytes":12,"length":1,"md5":"abc","adler32":"0000beef"}
        """.utf8))
        XCTAssertEqual(file, DIDRecord(scope: "s", name: "f", type: .file, bytes: 12, adler32: "0000beef", md5: "abc"))
        let search = try decoder.decode(DIDRecord.self, from: Data(#"{"scope":"s","name":"d","did_type":"DATASET","bytes":null}"#.utf8))
        XCTAssertEqual(search.type, .dataset)
        let closed = try decoder.decode(DIDRecord.self, from: Data("""
        {"scope":"s","name":"d","type":"dataset","open":false,"updated_at":"Tue, 21 Jul 2026 10:00:00 UTC"}
        """.utf8))
        XCTAssertEqual(closed.open, false)
        XCTAssertEqual(closed.updatedAt, Date(timeIntervalSince1970: 1_784_628_000))
        XCTAssertThrowsError(try decoder.decode(DIDRecord.self, from: Data(#"{"scope":"s","name":"x","type":"BLOB"}"#.utf8)))
    }

    func testModesFollowOpenAndClosedState() {
        let file = DIDRecord(scope: "s", name: "f", type: .file, bytes: 3, adler32: "1", md5: "2")
        let epoch = Date(timeIntervalSince1970: 0)
        XCTAssertEqual(RucioAttributes.make(file, parentDatasetOpen: true, fallbackDate: epoch).permissions, 0o644)
        XCTAssertEqual(RucioAttributes.make(file, parentDatasetOpen: false, fallbackDate: epoch).permissions, 0o444)
        let attrs = RucioAttributes.make(file, parentDatasetOpen: nil, fallbackDate: epoch)
        XCTAssertEqual(attrs.xattrs["user.rucio.adler32"], "1")
        XCTAssertEqual(attrs.xattrs["user.rucio.bytes"], "3")
        XCTAssertEqual(attrs.size, 3)
        let open = DIDRecord(scope: "s", name: "d", type: .dataset, open: true)
        let closed = DIDRecord(scope: "s", name: "d", type: .dataset, open: false)
        XCTAssertEqual(RucioAttributes.make(open, parentDatasetOpen: nil, fallbackDate: epoch).permissions, 0o755)
        XCTAssertEqual(RucioAttributes.make(closed, parentDatasetOpen: nil, fallbackDate: epoch).permissions, 0o555)
    }

    func testMetadataValuesRenderAsText() throws {
        let meta = try JSONDecoder().decode([String: MetaValue].self, from: Data("""
        {"project":"data17","run_number":358031,"is_open":true,"events":null,"nested":{"b":[1,"x"],"a":1.5}}
        """.utf8))
        XCTAssertEqual(meta["project"]?.xattrText, "data17")
        XCTAssertEqual(meta["run_number"]?.xattrText, "358031")
        XCTAssertEqual(meta["is_open"]?.xattrText, "True")
        XCTAssertNil(meta["events"]?.xattrText)
        XCTAssertEqual(meta["nested"]?.xattrText, #"{"a":1.5,"b":[1,"x"]}"#)
    }

    // MARK: PFNs

    func testHashPFNMatchesRucioTranslation() {
        // md5("user.alice:f1.root") starts with 520d; user scopes turn dots into slashes.
        XCTAssertEqual(DeterministicPFN.path(scope: "user.alice", name: "f1.root", algorithm: .hash), "user/alice/52/0d/f1.root")
        XCTAssertEqual(DeterministicPFN.path(scope: "group.phys.higgs", name: "x", algorithm: .hash), "group/phys/higgs/ee/2d/x")
        XCTAssertEqual(DeterministicPFN.path(scope: "data17", name: "raw/run 1/file.dat", algorithm: .hash), "data17/7e/24/raw/run 1/file.dat")
        XCTAssertEqual(DeterministicPFN.path(scope: "user.alice", name: "f", algorithm: .identity), "user/alice/f")
        XCTAssertEqual(DeterministicPFN.pfn(scheme: "davs", hostname: "se.example", port: 443, prefix: "pfx",
                                            scope: "user.alice", name: "f1.root", algorithm: .hash),
                       "davs://se.example:443/pfx/user/alice/52/0d/f1.root")
        XCTAssertEqual(DeterministicPFN.Algorithm(name: "default"), .hash)
        XCTAssertNil(DeterministicPFN.Algorithm(name: "atlas_plugin"))
    }

    func testStorageURLsAreFetchable() {
        XCTAssertEqual(StorageURL.httpURL(forPFN: "davs://se:443/p/a b/ü"), "https://se:443/p/a%20b/%C3%BC")
        XCTAssertEqual(StorageURL.httpURL(forPFN: "http://se:80/p/x%2Fy"), "http://se:80/p/x%2Fy")
        XCTAssertNil(StorageURL.httpURL(forPFN: "root://se:1094//p/x"))
    }

    // MARK: Replica choice

    private func replica(_ pfns: [String: PFNInfo], states: [String: String]) -> ReplicaRecord {
        ReplicaRecord(scope: "s", name: "f", bytes: 10, pfns: pfns, states: states)
    }

    func testReplicaChoiceKeepsOnlyReadableAvailableDiskReplicas() {
        let record = replica([
            "root://a:1094//f": PFNInfo(rse: "A", priority: 1),
            "davs://b:443/f": PFNInfo(rse: "B", priority: 4),
            "https://c:443/f": PFNInfo(rse: "C", type: "TAPE", priority: 2),
            "https://d:443/f": PFNInfo(rse: "D", priority: 3),
            "https://e:443/f.zip?xrdcl.unzip=f": PFNInfo(rse: "E", domain: "zip", priority: 1, clientExtract: true),
            "http://g:80/f": PFNInfo(rse: "G", priority: 2),
        ], states: ["A": "AVAILABLE", "B": "AVAILABLE", "C": "AVAILABLE", "D": "UNAVAILABLE", "E": "AVAILABLE", "G": "AVAILABLE"])
        let order = ReplicaSelector(preferredRSEs: []).order(record, recentlyFailed: [])
        XCTAssertEqual(order.map(\.rse), ["G", "B"], "server priority decides among usable replicas")
        XCTAssertEqual(order.last?.url, "https://b:443/f", "davs is fetched as https")
    }

    func testReplicaChoicePrefersConfiguredRSEsAndDemotesRecentFailures() {
        let record = replica([
            "https://a/f": PFNInfo(rse: "A", priority: 1),
            "https://b/f": PFNInfo(rse: "B", priority: 2),
            "https://c/f": PFNInfo(rse: "C", priority: 3),
        ], states: [:])
        XCTAssertEqual(ReplicaSelector(preferredRSEs: ["C"]).order(record, recentlyFailed: []).map(\.rse), ["C", "A", "B"])
        XCTAssertEqual(ReplicaSelector(preferredRSEs: ["C"]).order(record, recentlyFailed: ["C", "A"]).map(\.rse), ["B", "C", "A"])
    }

    func testFailureMemoryForgetsAfterThePenalty() {
        let memory = RSEFailureMemory(penalty: 60)
        let now = Date()
        memory.recordFailure("A", now: now)
        XCTAssertEqual(memory.recentlyFailed(now: now.addingTimeInterval(30)), ["A"])
        XCTAssertEqual(memory.recentlyFailed(now: now.addingTimeInterval(61)), [])
    }

    func testAdlerComparisonIgnoresLeadingZeros() {
        XCTAssertTrue(RucioBackend.sameAdler32("00beef01", "beef01"))
        XCTAssertFalse(RucioBackend.sameAdler32("00beef01", "beef02"))
        XCTAssertFalse(RucioBackend.sameAdler32(nil, "1"))
    }
}
