import AgaveEmulator
import FTS3Emulator
import Foundation
import RucioEmulator
import SciencefsX509

/// A mount with Agave and Rucio sources and an FTS3 server (the emulator behind its nginx TLS front, client
/// certificates from a test CA made here): Agave's systems have transfer URLs (the emulator's storage door), Rucio's
/// replicas are reachable as they are. The dataset `user.alice:ds` holds the files a test adds with `addRucioFile`.
final class FTS3MountFixture {
    let mount: MountFixture
    let pki: TestPKI
    let fts: FTS3Emulator
    var rucio: RucioEmulator { mount.rucio! }
    static let scope = "user.alice"
    static let dataset = "ds"

    /// `trustCA` false leaves the test CA out of the config, as a user who forgot it would. The settings strings
    /// are extra lines in the `[sources.agave]`, `[sources.rucio]` and `[fts3]` tables.
    init(transferDuration: TimeInterval = 0.3, trustCA: Bool = true, agaveSettings: String = "",
         rucioSettings: String = "", fts3Settings: String = "", extraConfig: String = "") throws {
        mount = try MountFixture(withRucio: true, extraConfig: extraConfig, agaveSettings: agaveSettings,
                                 rucioSettings: rucioSettings)
        pki = try TestPKI.create(in: mount.root.appendingPathComponent("pki"))
        fts = try FTS3Emulator(stateDirectory: mount.root.appendingPathComponent("fts3"), pki: pki,
                               configuration: FTS3Emulator.Configuration(transferDuration: transferDuration))
        let endpoint = try fts.start()
        try rucio.addScope(Self.scope, account: "alice")
        try rucio.addCollection(scope: Self.scope, name: Self.dataset, type: .dataset)
        try mount.appendConfig("""
            [fts3]
            endpoint = "\(endpoint.absoluteString)"
            cert = "\(pki.userCertificate.path)"
            key = "\(pki.userKey.path)"
            \(trustCA ? "ca_bundle = \"\(pki.caCertificate.path)\"" : "")
            poll_interval = 0.2
            \(fts3Settings)

            [sources.agave.transfer_urls]
            "\(MountFixture.system)" = "\(mount.emulator.storageDoorURL(system: MountFixture.system))"
            "\(MountFixture.otherSystem)" = "\(mount.emulator.storageDoorURL(system: MountFixture.otherSystem))"
            """)
    }

    /// A file in `user.alice:ds` with one replica on SITE_A.
    func addRucioFile(_ name: String, size: Int, seed: UInt64) throws {
        try rucio.addFile(scope: Self.scope, name: name, size: size, seed: seed, rses: ["SITE_A"])
        try rucio.attach(scope: Self.scope, name: Self.dataset, children: [(Self.scope, name)])
    }

    func rucioFile(_ name: String) -> URL { rucio.storageFile(rse: "SITE_A", scope: Self.scope, name: name) }

    /// Payload bytes SITE_A's storage sent (to anyone: the mount or the FTS server).
    var rucioStorageBytesSent: Int {
        rucio.requestLog.all.filter { $0.listener == "SITE_A" && $0.method == "GET" }.reduce(0) { $0 + $1.bytesSent }
    }

    /// Payload bytes that went through Agave's API (downloads and uploads by the mount), not its storage door.
    var agaveAPIPayloadRequests: [RequestLog.Entry] {
        mount.emulator.requestLog.all.filter {
            $0.path.hasPrefix("/files/v2/media/") && ($0.method == "POST" || ($0.method == "GET" && $0.bytesSent > 0))
        }
    }

    /// The JSON documents in `MNT/.sciencefs/transfers/` whose name starts with `fts3-`.
    func ftsTransferDocuments() -> [String: String] {
        let dir = mount.mountpoint.appendingPathComponent(".sciencefs/transfers")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var result: [String: String] = [:]
        for name in names where name.hasPrefix("fts3-") {
            result[name] = (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        return result
    }

    func tearDown() {
        mount.unmount()
        fts.stop()
        mount.tearDown()
    }
}
