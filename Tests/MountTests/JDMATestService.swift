import Foundation
import JDMAEmulator

/// A running JDMA emulator in which alice owns workspace `gws`, and the staging directory a mount of it uses, both
/// under one temporary root; `sourceTable` is the `[sources.jdma]` config table for it.
struct JDMATestService {
    let root: URL
    let staging: URL
    let jdma: JDMAEmulator

    init(prefix: String, quotaBytes: Int64 = 1 << 30) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        staging = root.appendingPathComponent("staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        jdma = try JDMAEmulator(stateDirectory: root.appendingPathComponent("jdma"))
        _ = try jdma.start()
        jdma.addUser("alice", workspaces: ["gws"], quotaBytes: quotaBytes)
    }

    func sourceTable(readTimeout: Int = 60, extra: String = "") -> String {
        """

        [sources.jdma]
        type = "jdma"
        base_url = "\(jdma.serverURL.absoluteString)"
        username = "alice"
        workspaces = ["gws"]
        staging_dir = "\(staging.path)"
        read_timeout = \(readTimeout)
        \(extra)

        """
    }

    /// Stops the emulator and deletes the root.
    func stop() {
        jdma.stop()
        try? FileManager.default.removeItem(at: root)
    }
}
