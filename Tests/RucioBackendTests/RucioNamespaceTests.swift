@testable import RucioBackend
import Foundation
import RucioEmulator
import SciencefsCore
import SciencefsHTTP
import XCTest

/// Listing and stat over the emulator: scopes, top-level collections, containment, names, request counts.
final class RucioNamespaceTests: XCTestCase {
    var fixture: RucioEmulatorFixture!

    override func setUpWithError() throws { fixture = try RucioEmulatorFixture() }
    override func tearDown() { fixture?.tearDown() }

    func testScopeListsOnlyTopLevelCollectionsInOneRequest() throws {
        let emulator = fixture.emulator
        let scope = RucioEmulatorFixture.scope
        try emulator.addCollection(scope: scope, name: "cont", type: .container)
        try emulator.addCollection(scope: scope, name: "ds.in.cont", type: .dataset)
        try emulator.addCollection(scope: scope, name: "ds.top", type: .dataset)
        try emulator.addFile(scope: scope, name: "f1", data: Data("one".utf8), rses: ["SITE_A"])
        try emulator.attach(scope: scope, name: "cont", children: [(scope: scope, name: "ds.in.cont")])
        try emulator.attach(scope: scope, name: "ds.in.cont", children: [(scope: scope, name: "f1")])
        let backend = fixture.backend()

        XCTAssertTrue(try backend.list(.root).map(\.name).contains(scope))
        emulator.requestLog.clear()
        let top = try backend.list(RemotePath([scope]))
        XCTAssertEqual(top.map(\.name).sorted(), ["cont", "ds.top"])
        XCTAssertTrue(top.allSatisfy { $0.attributes.kind == .directory })
        XCTAssertEqual(fixture.apiRequests().map(\.path), ["/dids/\(scope)/"], "one request, no file DIDs fetched")

        XCTAssertEqual(try backend.list(RucioEmulatorFixture.path("cont")).map(\.name), ["ds.in.cont"])
        let files = try backend.list(RucioEmulatorFixture.path("cont", "ds.in.cont"))
        XCTAssertEqual(files.map(\.name), ["f1"])
        XCTAssertEqual(files.first?.attributes.size, 3)
        XCTAssertEqual(files.first?.attributes.permissions, 0o644)
        XCTAssertEqual(files.first?.attributes.xattrs["user.rucio.adler32"], ChecksumCalculator.compute(Data("one".utf8)).adler32)
    }

    func testFiveThousandFileDatasetListsWithABoundedNumberOfRequests() throws {
        let scope = RucioEmulatorFixture.scope
        try fixture.emulator.addCollection(scope: scope, name: "big", type: .dataset)
        var children: [(scope: String, name: String)] = []
        for index in 0..<5000 {
            let name = String(format: "file.%05d.root", index)
            try fixture.emulator.addFile(scope: scope, name: name, data: Data("\(index)".utf8), rses: ["SITE_A"])
            children.append((scope: scope, name: name))
        }
        try fixture.emulator.attach(scope: scope, name: "big", children: children)
        let backend = fixture.backend()
        fixture.emulator.requestLog.clear()

        let entries = try backend.list(RucioEmulatorFixture.path("big"))
        XCTAssertEqual(entries.count, 5000)
        XCTAssertEqual(entries.first?.name, "file.00000.root")
        XCTAssertEqual(entries.last?.attributes.size, 4)
        let requests = fixture.apiRequests()
        XCTAssertLessThanOrEqual(requests.count, 2, "the DID itself and its content: \(requests.map(\.path))")
        XCTAssertEqual(fixture.emulator.requestLog.all.filter { $0.path.hasPrefix("/auth/") }.count, 1)

        // A stat of a listed file is answered from the listing, without another request.
        fixture.emulator.requestLog.clear()
        XCTAssertEqual(try backend.stat(RucioEmulatorFixture.path("big", "file.04999.root")).size, 4)
        XCTAssertEqual(fixture.apiRequests().count, 0)
    }

    func testOddNamesRoundTripAndForeignScopesShowAsScopeColonName() throws {
        let emulator = fixture.emulator
        let scope = RucioEmulatorFixture.scope
        try emulator.addScope("data17", account: "root")
        try emulator.addCollection(scope: scope, name: "odd", type: .dataset)
        let names = ["a/b/c.root", "with space.dat", "ünïcødé.txt", "100%.txt"]
        for (index, name) in names.enumerated() {
            try emulator.addFile(scope: scope, name: name, data: Data("payload \(index)".utf8), rses: ["SITE_A"])
        }
        try emulator.addFile(scope: "data17", name: "raw/run1.dat", data: Data("foreign".utf8), rses: ["SITE_B"])
        try emulator.attach(scope: scope, name: "odd", children: names.map { (scope: scope, name: $0) } + [(scope: "data17", name: "raw/run1.dat")])
        let backend = fixture.backend()

        let listed = try backend.list(RucioEmulatorFixture.path("odd")).map(\.name)
        XCTAssertEqual(Set(listed), ["a%2Fb%2Fc.root", "with space.dat", "ünïcødé.txt", "100%25.txt", "data17:raw%2Frun1.dat"])
        for (index, name) in names.enumerated() {
            let fileName = try XCTUnwrap(DIDNameCoding.encode(name))
            let path = RucioEmulatorFixture.path("odd", fileName)
            XCTAssertEqual(try backend.stat(path).xattrs["user.rucio.name"], name)
            XCTAssertEqual(try backend.readData(path), Data("payload \(index)".utf8))
        }
        XCTAssertEqual(try backend.readData(RucioEmulatorFixture.path("odd", "data17:raw%2Frun1.dat")), Data("foreign".utf8))
    }

    func testStatOfANameNotInTheCollectionIsNotFound() throws {
        let scope = RucioEmulatorFixture.scope
        try fixture.emulator.addCollection(scope: scope, name: "ds1", type: .dataset)
        try fixture.emulator.addCollection(scope: scope, name: "ds2", type: .dataset)
        try fixture.emulator.addFile(scope: scope, name: "only.in.ds2", data: Data("x".utf8), rses: ["SITE_A"])
        try fixture.emulator.attach(scope: scope, name: "ds2", children: [(scope: scope, name: "only.in.ds2")])
        let backend = fixture.backend()
        XCTAssertThrowsFSError(.notFound, try backend.stat(RucioEmulatorFixture.path("ds1", "only.in.ds2")))
        XCTAssertEqual(try backend.stat(RucioEmulatorFixture.path("ds2", "only.in.ds2")).size, 1)
        XCTAssertThrowsFSError(.notFound, try backend.stat(RucioEmulatorFixture.path("no-such-dataset")))
        XCTAssertThrowsFSError(.notFound, try backend.stat(RemotePath(["no.such.scope"])))
        XCTAssertThrowsFSError(.notDirectory, try backend.list(RucioEmulatorFixture.path("ds2", "only.in.ds2")))
    }

    func testExpiredTokenMidListingIsRenewedAndTheRequestReplayed() throws {
        let scope = RucioEmulatorFixture.scope
        try fixture.emulator.addCollection(scope: scope, name: "ds", type: .dataset)
        let backend = fixture.backend()
        _ = try backend.list(RemotePath([scope]))
        fixture.emulator.expireAllTokens()
        fixture.emulator.requestLog.clear()

        XCTAssertEqual(try backend.list(RucioEmulatorFixture.path("ds")), [])
        let log = fixture.emulator.requestLog.all.map { "\($0.status) \($0.method) \($0.path)" }
        XCTAssertEqual(log.filter { $0.hasPrefix("401") }.count, 1, "\(log)")
        XCTAssertEqual(log.filter { $0.contains("/auth/userpass") }.count, 1, "\(log)")
        XCTAssertTrue(log.last?.hasPrefix("200") ?? false, "\(log)")
    }

    func testServerErrorsAndMalformedStreamsAreEIO() throws {
        let scope = RucioEmulatorFixture.scope
        try fixture.emulator.addCollection(scope: scope, name: "ds", type: .dataset)
        let backend = fixture.backend()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/dids/\(scope)/ds", action: .status(500), count: nil)
        XCTAssertThrowsIO(try backend.list(RucioEmulatorFixture.path("ds")))
        fixture.emulator.faults.removeAll()
        fixture.emulator.faults.add(method: "GET", pathPrefix: "/dids/\(scope)/", action: .malformedJSON, count: 1)
        XCTAssertThrowsIO(try backend.list(RemotePath([scope])))
    }

    func testWrongPasswordIsPermissionDenied() throws {
        var configuration = fixture.configuration()
        configuration.credentials = .userpass(username: "alice", password: "wrong")
        let backend = RucioBackend(configuration: configuration, logger: fixture.logger)
        XCTAssertThrowsFSError(.permissionDenied, try backend.list(.root))
    }
}

/// Ready tokens (OIDC bearer tokens from the environment or a token file) instead of a login.
final class RucioGivenTokenTests: XCTestCase {
    var fixture: RucioEmulatorFixture!

    override func setUpWithError() throws { fixture = try RucioEmulatorFixture() }
    override func tearDown() { fixture?.tearDown() }

    /// A token issued by the emulator's userpass endpoint, as an external agent would provide one.
    private func issueToken() throws -> String {
        let http = HTTPClient(logger: fixture.logger)
        var headers = HTTPHeaders()
        headers.add("X-Rucio-Account", "alice")
        headers.add("X-Rucio-Username", "alice")
        headers.add("X-Rucio-Password", "alice-password")
        let response = try http.send(HTTPRequest(url: fixture.emulator.baseURL.absoluteString + "/auth/userpass", headers: headers))
        return try XCTUnwrap(RucioTokenManager.header(response, "X-Rucio-Auth-Token"))
    }

    func testAGivenTokenIsUsedAndARejectionIsPermissionDenied() throws {
        var configuration = fixture.configuration()
        configuration.credentials = .token(try issueToken())
        let backend = RucioBackend(configuration: configuration, logger: fixture.logger)
        XCTAssertTrue(try backend.list(.root).map(\.name).contains(RucioEmulatorFixture.scope))
        fixture.emulator.expireAllTokens()
        XCTAssertThrowsFSError(.permissionDenied, try backend.list(RemotePath([RucioEmulatorFixture.scope])))
    }

    func testATokenFileIsReReadWhenTheServerRejectsTheToken() throws {
        let file = fixture.directory.appendingPathComponent("bt_u1000")
        try Data((try issueToken() + "\n").utf8).write(to: file)
        var configuration = fixture.configuration()
        configuration.credentials = .tokenFile(file.path)
        let backend = RucioBackend(configuration: configuration, logger: fixture.logger)
        XCTAssertTrue(try backend.list(.root).map(\.name).contains(RucioEmulatorFixture.scope))

        fixture.emulator.expireAllTokens()
        try Data(try issueToken().utf8).write(to: file) // the agent renewed it
        XCTAssertEqual(try backend.list(RemotePath([RucioEmulatorFixture.scope])), [])
    }
}
