import Foundation
import SciencefsStore

/// Asks a live mount's daemon to act on a kept upload through a control xattr on the mount root.
enum MountControl {
    static func set(_ name: String, id: Int64, on mountpoint: String, record: UploadRecord, cache: MountCache) throws {
        let value = String(id)
        guard systemSetxattr(mountpoint, name, value, value.utf8.count, 0) != 0 else { return }
        let code = errno
        switch code {
        case ENOENT: throw KeptUploadError("no such kept upload (already sent or discarded?)")
        case EAGAIN: throw KeptUploadError("not a failed upload: its file is still open, or its upload is running; try again later")
        case EEXIST: throw KeptUploadError("a later write of the same file is kept too; retry that one (and discard this)")
        default:
            // The daemon recorded why in the journal row; its words are more useful than the errno.
            let reason = (try? cache.openStore().upload(id: id))??.error ?? String(cString: strerror(code))
            throw KeptUploadError("the server refused it again (\(reason)); the bytes are still kept")
        }
    }
}

struct KeptUploadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
