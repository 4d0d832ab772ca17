import Foundation
import JDMAEmulator

/// The JDMA server most mount tests start: user alice with workspace `gws` (1 GiB quota), and the
/// `[sources.jdma]` table that mounts it.
extension JDMAEmulator {
    /// Started, with its state under `root/jdma`.
    static func startedForAlice(root: URL) throws -> JDMAEmulator {
        let jdma = try JDMAEmulator(stateDirectory: root.appendingPathComponent("jdma"))
        _ = try jdma.start()
        jdma.addUser("alice", workspaces: ["gws"], quotaBytes: 1 << 30)
        return jdma
    }

    /// The source table for alice on this server, staging in `staging`; `settings` are extra lines of the table.
    func sourceTable(staging: URL, settings: String = "") -> String {
        """

        [sources.jdma]
        type = "jdma"
        base_url = "\(serverURL.absoluteString)"
        username = "alice"
        workspaces = ["gws"]
        staging_dir = "\(staging.path)"
        \(settings)

        """
    }
}
