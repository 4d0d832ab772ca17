import Logging
import SciencefsCore
@testable import sciencefs
import XCTest

/// The status file writer of a mount that never came up: releasing it must not crash. libdispatch traps (SIGILL)
/// on releasing a timer source that was never resumed, which is how a failed mount used to die.
final class StatusWriterTests: XCTestCase {
    private func makeVFS(_ directory: URL) throws -> VFS {
        try VFS(backends: [], store: nil, dataCache: nil, stagingDirectory: directory.appendingPathComponent("staging"),
                logger: Logger(label: "test"))
    }

    func testAWriterThatNeverStartedIsReleasedWithoutACrash() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-status-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("status.json")
        var writer: StatusWriter? = StatusWriter(vfs: try makeVFS(directory), url: url)
        XCTAssertNotNil(writer)
        writer = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "nothing was written by a writer never started")
    }

    func testAStartedWriterWritesTheStatusAndStops() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-status-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("status.json")
        let writer = StatusWriter(vfs: try makeVFS(directory), url: url)
        writer.start()
        writer.stop()
        let status = try JSONDecoder().decode(VFS.Status.self, from: Data(contentsOf: url))
        XCTAssertEqual(status.sources, [])
        writer.stop()  // a second stop is harmless
    }
}
