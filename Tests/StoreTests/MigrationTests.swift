import Foundation
import GRDB
@testable import SciencefsStore
import XCTest

final class MigrationTests: XCTestCase {
    private let allMigrations = [Migrations.nodesAndListings, Migrations.uploadJournal, Migrations.dataCache,
                                 Migrations.transferJobs, Migrations.attributeOverlay, Migrations.cachePins]

    func testFreshDatabaseGetsEveryMigration() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("store")
        let store = try MetadataStore(directory: dir)
        XCTAssertEqual(try store.appliedMigrations(), allMigrations)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("metadata.sqlite").path))
    }

    func testReopeningAMigratedDatabaseKeepsItsData() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("store")
        do {
            let store = try MetadataStore(directory: dir)
            try store.upsertNode(NodeRecord(source: "s", path: "/f", isDirectory: false, size: 1, mtime: 2,
                                            permissions: 0o644, fetchedAt: 3))
        }
        let reopened = try MetadataStore(directory: dir)
        XCTAssertEqual(try reopened.appliedMigrations(), allMigrations)
        XCTAssertEqual(try reopened.node(source: "s", path: "/f")?.size, 1)
    }

    func testOlderDatabaseIsMigratedForwardWithoutLosingRows() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("store")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            // A database written by a build that only knew the first migration.
            let old = try DatabaseQueue(path: dir.appendingPathComponent("metadata.sqlite").path)
            try Migrations.migrator.migrate(old, upTo: Migrations.nodesAndListings)
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO nodes (source, path, parent, isDirectory, size, mtime, permissions, xattrs, fetchedAt)
                    VALUES ('s', '/old', '/', 0, 42, 1, 420, NULL, 5)
                    """)
                try db.execute(sql: "INSERT INTO listings (source, path, fetchedAt) VALUES ('s', '/', 5)")
            }
            XCTAssertEqual(try old.read { try Migrations.migrator.appliedMigrations($0) }, [Migrations.nodesAndListings])
        }
        let store = try MetadataStore(directory: dir)
        XCTAssertEqual(try store.appliedMigrations(), allMigrations)
        let listing = try XCTUnwrap(try store.listing(source: "s", directory: "/"))
        XCTAssertEqual(listing.entries.map(\.path), ["/old"])
        XCTAssertEqual(listing.entries.first?.size, 42)
        // The new tables work.
        let id = try store.addUpload(source: "s", path: "/new", stagingFile: "/tmp/x")
        XCTAssertEqual(try store.upload(id: id)?.state, .staged)
    }
}
