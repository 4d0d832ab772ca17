import Foundation
import JDMAEmulator

extension JDMAEmulator {
    /// The `[sources.jdma]` table of a mount over this emulator as user alice, workspace `gws`; `extra` lines go
    /// inside the table.
    func sourceTable(staging: URL, extra: String = "") -> String {
        """

        [sources.jdma]
        type = "jdma"
        base_url = "\(serverURL.absoluteString)"
        username = "alice"
        workspaces = ["gws"]
        staging_dir = "\(staging.path)"
        read_timeout = 60
        \(extra)

        """
    }
}
