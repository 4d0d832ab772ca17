import AgaveEmulator
import Foundation
import XCTest

/// The demo tenant is complete (10,000-file folder, 100 MiB file, both systems) and re-seeding is a no-op.
final class DemoDataTests: XCTestCase {
    func testSeedDemoCreatesTheTenantOnceAndIsIdempotent() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("agave-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let emulator = try AgaveEmulator(stateDirectory: state)
        try DemoData.seedDemo(into: emulator)

        XCTAssertEqual(Set(emulator.systems.map(\.id)), [DemoData.dataSystem, DemoData.scratchSystem])
        let many = emulator.localURL(system: DemoData.dataSystem, path: DemoData.manyFilesFolder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: many.path).count, DemoData.manyFilesCount)
        let large = emulator.localURL(system: DemoData.dataSystem, path: DemoData.largeFilePath)
        let attributes = try FileManager.default.attributesOfItem(atPath: large.path)
        XCTAssertEqual((attributes[.size] as? NSNumber)?.intValue, DemoData.largeFileSize)
        let head = try FileHandle(forReadingFrom: large).read(upToCount: 4096)
        XCTAssertEqual(head.map(Array.init), DeterministicData.bytes(count: 4096, seed: DemoData.seed(for: DemoData.dataSystem, path: DemoData.largeFilePath)))

        let before = try FileManager.default.attributesOfItem(atPath: large.path)
        let reopened = try AgaveEmulator(stateDirectory: state)
        try DemoData.seedDemo(into: reopened)
        let after = try FileManager.default.attributesOfItem(atPath: large.path)
        XCTAssertEqual(after[.systemFileNumber] as? Int, before[.systemFileNumber] as? Int,
                       "a seeded state directory is reused: the large file is the same file")
        XCTAssertEqual(after[.modificationDate] as? Date, before[.modificationDate] as? Date, "and it was not rewritten")
        XCTAssertEqual(reopened.systems.count, 2)
    }
}
