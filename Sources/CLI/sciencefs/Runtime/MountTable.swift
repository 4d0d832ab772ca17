import Foundation
import SciencefsFuse

/// Tells whether a sciencefs mount is live at a path.
enum MountTable {
    static func isMounted(_ mountpoint: String) -> Bool {
        MountInfo.entries().contains { $0.mountpoint == mountpoint && $0.filesystemType.hasPrefix("fuse.sciencefs") }
    }
}
