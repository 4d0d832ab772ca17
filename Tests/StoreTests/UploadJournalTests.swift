import Foundation
@testable import SciencefsStore
import XCTest

final class UploadJournalTests: XCTestCase {
    func testUploadStatesAndErrorsSurviveReopen() throws {
        let dir = try makeTemporaryDirectory(self)
        var ids: [Int64] = []
        do {
            let store = try MetadataStore(directory: dir)
            ids.append(try store.addUpload(source: "agave", path: "/in/a.nc", stagingFile: "/stage/1"))
            ids.append(try store.addUpload(source: "agave", path: "/in/b.nc", stagingFile: "/stage/2"))
            ids.append(try store.addUpload(source: "agave", path: "/in/c.nc", stagingFile: "/stage/3"))
            ids.append(try store.addUpload(source: "agave", path: "/in/d.nc", stagingFile: "/stage/4"))
            try store.setUploadState(id: ids[1], state: .uploading)
            try store.setUploadState(id: ids[2], state: .failed, error: "HTTP 507 quota exceeded")
            try store.setUploadState(id: ids[3], state: .done)
        }
        let store = try MetadataStore(directory: dir)
        let pending = try store.uploads(in: [.staged, .uploading, .failed])
        XCTAssertEqual(pending.map(\.id), Array(ids[0...2]))
        XCTAssertEqual(pending.map(\.state), [.staged, .uploading, .failed])
        XCTAssertEqual(pending.map(\.path), ["/in/a.nc", "/in/b.nc", "/in/c.nc"])
        XCTAssertEqual(pending.map(\.stagingFile), ["/stage/1", "/stage/2", "/stage/3"])
        XCTAssertEqual(pending[2].error, "HTTP 507 quota exceeded")
        XCTAssertNil(pending[0].error)
        XCTAssertEqual(try store.uploads(in: [.done]).map(\.id), [ids[3]])
        XCTAssertTrue(try store.uploads(in: []).isEmpty)
    }

    func testStateChangeUpdatesTimestampAndClearsError() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        let id = try store.addUpload(source: "s", path: "/f", stagingFile: "/stage/f")
        let created = try XCTUnwrap(try store.upload(id: id))
        XCTAssertEqual(created.createdAt, created.updatedAt)
        XCTAssertEqual(created.createdAt, Date().timeIntervalSince1970, accuracy: 60)

        try store.setUploadState(id: id, state: .failed, error: "timeout")
        XCTAssertEqual(try store.upload(id: id)?.error, "timeout")
        try store.setUploadState(id: id, state: .staged)
        let retried = try XCTUnwrap(try store.upload(id: id))
        XCTAssertEqual(retried.state, .staged)
        XCTAssertNil(retried.error)
        XCTAssertGreaterThanOrEqual(retried.updatedAt, created.updatedAt)
    }

    func testRemovedUploadIsGoneAndIdsAreNotReused() throws {
        let store = try MetadataStore(directory: try makeTemporaryDirectory(self))
        let first = try store.addUpload(source: "s", path: "/f", stagingFile: "/stage/f")
        try store.removeUpload(id: first)
        XCTAssertNil(try store.upload(id: first))
        XCTAssertTrue(try store.uploads(in: UploadState.allCases).isEmpty)
        let second = try store.addUpload(source: "s", path: "/f", stagingFile: "/stage/f")
        XCTAssertGreaterThan(second, first)
    }
}
