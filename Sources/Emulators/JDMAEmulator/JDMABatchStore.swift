import Foundation

/// The emulator's "tape": every batch's bytes under `<stateDirectory>/store/<batch id>/<relative path>`. PUTs copy
/// files in from the shared disk; GETs copy them out to the request's target directory.
struct JDMABatchStore {
    let root: URL

    init(stateDirectory: URL) throws {
        root = stateDirectory.appendingPathComponent("store", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func fileURL(batch: Int, relativePath: String) -> URL {
        relativePath.split(separator: "/").reduce(root.appendingPathComponent(String(batch), isDirectory: true)) {
            $0.appendingPathComponent(String($1))
        }
    }

    /// Writes `data` as a batch file and returns its SHA-256.
    func write(_ data: Data, batch: Int, relativePath: String) throws -> String {
        let url = fileURL(batch: batch, relativePath: relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return SHA256.hex(of: data)
    }

    /// Copies a file from the shared disk into the batch and returns its size and SHA-256.
    func ingest(from source: URL, batch: Int, relativePath: String) throws -> (size: Int64, digest: String) {
        let url = fileURL(batch: batch, relativePath: relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.copyItem(at: source, to: url)
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        return (size, try SHA256.hex(ofFileAt: url))
    }

    /// Restores one batch file into `targetDirectory/<relative path>`, replacing what is there.
    func restore(batch: Int, relativePath: String, into targetDirectory: URL) throws {
        let destination = relativePath.split(separator: "/").reduce(targetDirectory) { $0.appendingPathComponent(String($1)) }
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
        try FileManager.default.copyItem(at: fileURL(batch: batch, relativePath: relativePath), to: destination)
    }

    func remove(batch: Int) {
        try? FileManager.default.removeItem(at: root.appendingPathComponent(String(batch), isDirectory: true))
    }
}
