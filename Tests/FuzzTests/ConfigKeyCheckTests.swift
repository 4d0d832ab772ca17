@testable import sciencefs
import XCTest

/// A key the config does not know is refused with its name, its table and the nearest known key.
final class ConfigKeyCheckTests: XCTestCase {
    private func parse(_ text: String) throws -> MountConfiguration {
        try MountConfiguration.parse(text, origin: "config.toml")
    }

    private func refusal(_ text: String) -> String {
        do {
            _ = try parse(text)
            XCTFail("accepted:\n\(text)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testATypoInASourceIsRefusedWithTheKeyItsTableAndTheNearestKnownKey() {
        let message = refusal("""
            [sources.agave]
            type = "agave"
            base_url = "http://127.0.0.1:1"
            listng_ttl = 5
            """)
        XCTAssertEqual(message, #"config file config.toml: unknown key "listng_ttl" in [sources.agave] (did you mean "listing_ttl"?)"#)
    }

    func testTopLevelAndFTS3TyposAndKeysWithNoNearNeighbour() {
        XCTAssertEqual(refusal("""
            cache_dri = "/tmp/x"
            [sources.a]
            type = "agave"
            """), #"config file config.toml: unknown key "cache_dri" in the top level (did you mean "cache_dir"?)"#)
        XCTAssertEqual(refusal("""
            [fts3]
            endpont = "https://127.0.0.1:8446"
            [sources.a]
            type = "agave"
            """), #"config file config.toml: unknown key "endpont" in [fts3] (did you mean "endpoint"?)"#)
        XCTAssertEqual(refusal("""
            [sources.a]
            type = "agave"
            colour = "blue"
            """), #"config file config.toml: unknown key "colour" in [sources.a]"#)
    }

    func testEveryDocumentedKeyIsAccepted() throws {
        let config = try parse("""
            cache_dir = "/tmp/x"
            data_cache_size_mb = 100
            entry_timeout = 1
            attr_timeout = 1.5
            [sources.a]
            type = "agave"
            base_url = "http://127.0.0.1:1"
            listing_ttl = 5
            attribute_ttl = 5
            negative_ttl = 1
            read_only = true
            timeout = 3
            retries = 1
            verify_whole_mb = 4
            [sources.r]
            type = "rucio"
            upload_rse = "SITE_A"
            preferred_rses = ["SITE_B"]
            replica_stall_timeout = 2
            scope_listing = "account"
            """)
        XCTAssertEqual(config.sources.count, 2)
    }

    func testEditDistance() {
        XCTAssertEqual(ConfigKeyCheck.editDistance("listng_ttl", "listing_ttl"), 1)
        XCTAssertEqual(ConfigKeyCheck.editDistance("", "abc"), 3)
        XCTAssertEqual(ConfigKeyCheck.editDistance("kitten", "sitting"), 3)
        XCTAssertNil(ConfigKeyCheck.nearest(to: "colour", in: ["type", "base_url"]))
    }
}
