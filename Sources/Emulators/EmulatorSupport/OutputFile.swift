import Foundation

/// Writing a file below an emulator's state directory the way a running job writes its outputs: folders are
/// created, and bytes either replace the file or are appended to it.
package enum OutputFile {
    /// Writes `data` to `segments` (already validated, see `SystemPath.validatedSegments`) below `directory`.
    package static func write(_ data: Data, under directory: URL, segments: [String], append: Bool) throws {
        let url = segments.reduce(directory) { $0.appendingPathComponent($1) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if append, let handle = try? FileHandle(forWritingTo: url) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } else {
            try data.write(to: url)
        }
    }
}
