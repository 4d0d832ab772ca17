import Foundation
import RucioEmulator
import XCTest

final class RucioDemoDataTests: XCTestCase {
    func testDemoSeedsScopesLargeDatasetSlashNameAndClosedDataset() async throws {
        let fixture = try EmulatorFixture()
        try RucioDemoData.seedDemo(into: fixture.emulator)
        let token = try await fixture.token()

        let scopes = try await fixture.api("GET", "/scopes/", token: token)
        XCTAssertEqual(try scopes.json() as? [String], ["data23", "user.alice"])

        let large = try await fixture.api("GET", "/dids/data23/\(RucioDemoData.largeDataset)/dids", token: token)
        XCTAssertEqual(try large.streamLines().count, RucioDemoData.largeDatasetCount)
        XCTAssertEqual(fixture.emulator.requestLog.entries(pathPrefix: "/dids/data23/\(RucioDemoData.largeDataset)").count, 1)

        let closedReply = try await fixture.api("GET", "/dids/data23/\(RucioDemoData.closedDataset)", token: token)

        let closed = try XCTUnwrap(try closedReply.json() as? [String: Any])
        XCTAssertEqual(closed["open"] as? Bool, false)

        let top = try await fixture.api("GET", "/dids/user.alice/", token: token)
        let names = try top.streamLines().compactMap { ($0 as? [String: Any])?["name"] as? String }
        XCTAssertEqual(Set(names), [RucioDemoData.analysisContainer, RucioDemoData.scratchDataset, RucioDemoData.looseFile])

        let slash = RucioDemoData.slashName.replacingOccurrences(of: "/", with: "%2F")
        let recordReply = try await fixture.api("GET", "/replicas/user.alice/\(slash)", token: token)
        let record = try XCTUnwrap(try recordReply.streamLines().first as? [String: Any])
        let pfn = try XCTUnwrap((record["rses"] as? [String: [String]])?["SITE_B"]?.first.flatMap(URL.init(string:)))
        let bytes = try await send("GET", pfn)
        XCTAssertEqual(Array(bytes.body), DeterministicData.bytes(count: 4_321, seed: RucioDemoData.seed(scope: "user.alice", name: RucioDemoData.slashName)))
    }
}
