import Foundation
import Logging
import SciencefsStore
import XCTest
@testable import SciencefsCore

/// A VFS over an `InMemoryBackend` with a real SQLite store in a temporary directory, and path lookups as the
/// kernel makes them, for the Core's unit tests.
class VFSTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-vfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func makeVFS(_ backend: InMemoryBackend, clock: Clock) throws -> VFS {
        try VFS(backends: [backend], store: try MetadataStore(directory: directory), dataCache: nil,
                stagingDirectory: directory.appendingPathComponent("staging"), clock: clock, logger: Logger(label: "test"))
    }

    /// The inode of `path` ("source/dir/file"), looked up one name at a time from the root.
    func ino(_ vfs: VFS, _ path: String) throws -> UInt64 {
        var ino = VFS.rootIno
        for name in path.split(separator: "/") { ino = try vfs.lookup(parent: ino, name: String(name)).ino }
        return ino
    }
}
