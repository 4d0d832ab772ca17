import Foundation

/// Creates the cache directory readable by its owner only, because it holds file contents and metadata of the
/// user's remote data. An existing directory whose mode was loosened is tightened back to 0700.
enum SecureDirectory {
    static func prepare(_ url: URL) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } else if !isDirectory.boolValue {
            throw POSIXError(.ENOTDIR)
        }
        // createDirectory's mode is filtered by the umask, and an existing directory keeps whatever it had.
        if chmod(path, 0o700) != 0 {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
