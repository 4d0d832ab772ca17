import Foundation

/// Decides whether one file can be copied server to server by the transfer service, and describes the copy: the
/// source's transfer URL, Adler-32 and size, the destination's transfer URL. Shared by copy_file_range in the mount
/// and `sciencefs cp`, so both make the same choice.
public enum TransferPlanner {
    /// nil when either side exposes no transfer URL (the copy must stream).
    public static func plan(source: Backend, sourcePath: RemotePath, attributes: RemoteAttributes,
                            destination: Backend, destinationPath: RemotePath) throws -> TrackedTransferFile? {
        guard attributes.kind == .file,
              let sourceURL = try source.transferURL(of: sourcePath),
              let destinationURL = try destination.transferURL(of: destinationPath) else { return nil }
        let adler32 = source.checksums(of: sourcePath, attributes: attributes).lazy.compactMap { checksum -> String? in
            if case .adler32(let value) = checksum { return paddedAdler32(value) }
            return nil
        }.first
        return TrackedTransferFile(sourcePath: mountPath(source: source.name, sourcePath),
                                   destinationPath: mountPath(source: destination.name, destinationPath),
                                   sourceURL: sourceURL, destinationURL: destinationURL, size: attributes.size,
                                   adler32: adler32)
    }

    /// A mount-relative path such as `rucio/user.alice/ds/f`, the form the transfer journal keeps.
    public static func mountPath(source: String, _ path: RemotePath) -> String {
        ([source] + path.components).joined(separator: "/")
    }

    /// Services publish Adler-32 without leading zeros at times; FTS3 wants all 8 digits.
    public static func paddedAdler32(_ value: String) -> String {
        Checksum.canonicalAdler32(value) ?? value.lowercased()
    }
}
