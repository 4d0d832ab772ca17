import Foundation

/// One batch being assembled from files copied into the mount, as the manifest remembers it.
struct PendingBatch: Codable, Equatable, Sendable {
    var workspace: String
    var label: String
    /// Relative path → size of every file copied in.
    var files: [String: UInt64] = [:]
    /// Relative directories made inside the batch.
    var directories: Set<String> = []
    var createdAt: Date
    /// The last mkdir/copy/delete inside the batch: the quiet period counts from here.
    var lastChange: Date
    /// Set once the PUT request was accepted; the files must stay staged until it completes.
    var requestID: Int?
    var batchID: Int?
    /// Why the last submission failed (quota…), shown in transfers.
    var lastError: String?
    /// Written (durably) just before the PUT request is sent: if the daemon then dies before it could record
    /// the request, the next daemon looks for that request on the server instead of sending a second one.
    var submitStartedAt: Date?

    var isSubmitted: Bool { requestID != nil }
}

/// `<staging>/put/manifest.json`: the pending batches, written atomically (temp file, fsync, rename, fsync of
/// the directory) so that a daemon killed before the submit finds its batches — and their durably copied files —
/// again after a restart.
struct PutManifest: Codable, Equatable, Sendable {
    var version = 1
    var batches: [PendingBatch] = []

    static func load(from url: URL) throws -> PutManifest {
        guard FileManager.default.fileExists(atPath: url.path) else { return PutManifest() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(PutManifest.self, from: Data(contentsOf: url))
    }

    func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try DurableFiles.writeAtomically(try encoder.encode(self), to: url)
    }

    func index(workspace: String, label: String) -> Int? {
        batches.firstIndex { $0.workspace == workspace && $0.label == label }
    }
}

/// File writes that survive a crash once they return.
enum DurableFiles {
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        try data.write(to: temp)
        try fsync(temp)
        try replace(temp, with: url)
    }

    /// Copies `source` to `destination` (via a temp file in the same directory), fsyncs the file and the directory.
    static func copy(_ source: URL, to destination: URL) throws {
        let directory = destination.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temp = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: temp)
        try fsync(temp)
        try replace(temp, with: destination)
    }

    private static func replace(_ temp: URL, with destination: URL) throws {
        guard rename(temp.path, destination.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temp)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        try fsync(destination.deletingLastPathComponent())
    }

    static func fsync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        guard Glibc.fsync(fd) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
