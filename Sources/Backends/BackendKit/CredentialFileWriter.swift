import Foundation
import SciencefsCore

/// Replaces a file that holds credentials (a CLI's token cache, a refresh-token file) in one step: the new bytes go
/// to a fresh file beside it (created 0600, or with the old file's mode), are synced, and are renamed over it, so
/// a crash leaves the old content or the new one, never half of either, and the secret is never readable by others
/// on the way. Shared by the Agave and Tapis backends, which write back the tokens their services rotate.
public enum CredentialFileWriter {
    public static func replace(_ url: URL, with data: Data) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).sciencefs-\(UUID().uuidString)")
        var mode: mode_t = 0o600
        var info = stat()
        if stat(url.path, &info) == 0 { mode = info.st_mode & 0o777 }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FSError.fromErrno(errno) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0, rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw FSError.fromErrno(code)
        }
    }
}
