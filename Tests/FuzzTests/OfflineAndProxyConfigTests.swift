@testable import sciencefs
import Logging
import SciencefsCore
import XCTest

/// `offline`, `proxy` and `no_proxy` (docs/CONFIGURATION.md): accepted where they apply, refused with a message that
/// names the key otherwise, and a proxy password never in a message.
final class OfflineAndProxyConfigTests: XCTestCase {
    private func parse(_ source: String) throws -> MountConfiguration {
        try MountConfiguration.parse("[sources.a]\n" + source, origin: "config.toml")
    }

    func testOfflineTakesServeStaleOrFail() throws {
        let config = try parse("type = \"agave\"\noffline = \"fail\"")
        XCTAssertEqual(try OfflineAndProxySettings.offlineModes(config.sources), ["a": .fail])
        XCTAssertEqual(try OfflineAndProxySettings.offlineModes(try parse("type = \"rucio\"").sources), [:])
        XCTAssertThrowsError(try parse("type = \"agave\"\noffline = \"stale\"")) { error in
            XCTAssertEqual("\(error)", #"source a: offline must be "serve-stale" or "fail", not "stale""#)
        }
    }

    func testProxyAppliesToRucioAgaveAndTapisAndHidesItsPassword() throws {
        let rucio = try XCTUnwrap(try parse("""
            type = "rucio"
            proxy = "http://site:secret@squid.example:3128"
            no_proxy = ".example"
            """).sources["a"])
        let proxy = try XCTUnwrap(try OfflineAndProxySettings.proxy("a", rucio, type: .rucio))
        XCTAssertEqual(proxy.noProxy, ".example")
        XCTAssertFalse("\(proxy)".contains("secret"))
        let jdma = try XCTUnwrap(try parse("type = \"jdma\"\nproxy = \"http://squid:3128\"").sources["a"])
        XCTAssertThrowsError(try OfflineAndProxySettings.proxy("a", jdma, type: .jdma)) { error in
            XCTAssertTrue("\(error)".contains("rucio, agave and tapis sources only"), "\(error)")
        }
        let tapis = try XCTUnwrap(try parse("type = \"tapis\"\nproxy = \"http://squid:3128\"").sources["a"])
        XCTAssertEqual(try OfflineAndProxySettings.proxy("a", tapis, type: .tapis)?.url, "http://squid:3128")
        let bad = try XCTUnwrap(try parse("type = \"agave\"\nproxy = \"squid:secret@:3128\"").sources["a"])
        XCTAssertThrowsError(try OfflineAndProxySettings.proxy("a", bad, type: .agave)) { error in
            XCTAssertTrue("\(error)".contains("proxy must be a URL"), "\(error)")
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
        let alone = try XCTUnwrap(try parse("type = \"agave\"\nno_proxy = \"*\"").sources["a"])
        XCTAssertThrowsError(try OfflineAndProxySettings.proxy("a", alone, type: .agave))
    }
}
