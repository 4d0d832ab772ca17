import Foundation
import Logging
import SciencefsCore
@testable import sciencefs
import XCTest

/// The settings every source type takes are read in one place: `read_only` and the TTLs reach every backend,
/// JDMA included (its own copy of the parsing once ignored `read_only`).
final class CommonSourceSettingsTests: XCTestCase {
    func testReadOnlyAndTTLsReachEverySourceType() throws {
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let common = """
            read_only = true
            listing_ttl = 7
            attribute_ttl = 8
            negative_ttl = 3
            timeout = 4
            retries = 1
            """
        let config = try MountConfiguration.parse("""
            [sources.a]
            type = "agave"
            base_url = "http://127.0.0.1:1"
            credentials_file = "\(staging.path)/none"
            \(common)
            [sources.r]
            type = "rucio"
            rucio_host = "http://127.0.0.1:2"
            auth_type = "userpass"
            username = "u"
            password = "p"
            account = "u"
            \(common)
            [sources.m]
            type = "amie"
            site_name = "TEST"
            api_key = "k"
            base_url = "http://127.0.0.1:3"
            \(common)
            [sources.j]
            type = "jdma"
            base_url = "http://127.0.0.1:4"
            username = "u"
            staging_dir = "\(staging.path)"
            \(common)
            [sources.t]
            type = "tapis"
            base_url = "http://127.0.0.1:5"
            username = "u"
            password = "p"
            \(common)
            """, origin: "config.toml")
        let backends = try BackendFactory.make(config.sources, logger: Logger(label: "test"))
        XCTAssertEqual(backends.map(\.name), ["a", "j", "m", "r", "t"])
        for backend in backends {
            XCTAssertFalse(backend.isWritable, "\(backend.name): read_only")
            XCTAssertEqual(backend.cachePolicy, CachePolicy(attributeTTL: 8, listingTTL: 7, negativeTTL: 3), backend.name)
        }
    }
}
