@testable import FTS3Client
import Foundation
import FTS3Emulator
import Logging
import SciencefsCore
import SciencefsHTTP
import SciencefsX509
import XCTest

/// `FTS3Client` end to end against the FTS3 emulator over mutual TLS, copying between Rucio emulator RSEs.
/// (nginx refuses RFC 3820 proxies as TLS client certificates, so X.509 runs use the user certificate and key.)
final class FTS3ClientEmulatorTests: XCTestCase {
    private var fixture: FTS3EmulatorFixture!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            throw XCTSkip("nginx is not installed; the FTS3 emulator needs it for TLS")
        }
        fixture = try FTS3EmulatorFixture()
    }

    override func tearDown() {
        fixture?.tearDown()
        fixture = nil
    }

    func testWhoAmIOverTLSWithAClientCertificate() throws {
        let whoami = try fixture.certificateClient().whoami()
        XCTAssertEqual(whoami.userDN, fixture.pki.userDN)
        XCTAssertEqual(whoami.delegationID, FTS3Emulator.delegationID(forDN: fixture.pki.userDN))
        XCTAssertEqual(whoami.method, "certificate")
        XCTAssertEqual(whoami.vos, ["dteam"])
    }

    func testCADirectoryAloneIsEnoughToTrustTheServer() throws {
        let configuration = fixture.configuration(.certificate(cert: fixture.pki.userCertificate.path,
                                                               key: fixture.pki.userKey.path), caBundle: false)
        XCTAssertEqual(try FTS3Client(configuration: configuration, logger: fixture.logger).whoami().userDN, fixture.pki.userDN)
    }

    func testAServerSignedByAnUnknownCAIsRefused() throws {
        var configuration = fixture.configuration(.certificate(cert: fixture.pki.userCertificate.path, key: fixture.pki.userKey.path),
                                                  caBundle: false)
        configuration.caDirectory = fixture.directory.path // no hashed CA certificates in there
        let client = try FTS3Client(configuration: configuration, logger: fixture.logger)
        XCTAssertThrowsError(try client.whoami()) { error in
            guard case .io? = error as? FSError else { return XCTFail("expected EIO, got \(error)") }
        }
        XCTAssertTrue(fixture.requests().isEmpty, "nothing reached the API")
    }

    func testFirstSubmitDelegatesOnceAndLaterSubmitsDoNot() throws {
        let client = try fixture.certificateClient()
        let first = try client.submit([fixture.transfer("one.bin", data: FTS3EmulatorFixture.pattern(1000))], options: TransferOptions())
        XCTAssertEqual(fixture.credentialUploads(), 1)
        let dance = fixture.requests().filter { $0.path.hasPrefix("/delegation/") || $0.path == "/whoami" }.map { "\($0.method) \($0.path) \($0.status)" }
        let id = FTS3Emulator.delegationID(forDN: fixture.pki.userDN)
        XCTAssertEqual(dance, ["GET /whoami 200", "GET /delegation/\(id) 200", "GET /delegation/\(id)/request 200",
                               "PUT /delegation/\(id)/credential 201"])

        let second = try client.submit([fixture.transfer("two.bin", data: FTS3EmulatorFixture.pattern(2000, seed: 7))],
                                       options: TransferOptions())
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(fixture.credentialUploads(), 1, "the cached termination time spares a second delegation")
        XCTAssertEqual(fixture.requests().filter { $0.path.hasPrefix("/delegation/") }.count, 3,
                       "the second submit does not even ask")

        // An explicit, unforced delegate() asks the server and finds the proxy still good; a forced one uploads.
        let termination = try XCTUnwrap(try client.delegate())
        XCTAssertEqual(termination.timeIntervalSinceNow, 7 * 3600, accuracy: 120)
        XCTAssertEqual(fixture.credentialUploads(), 1)
        _ = try client.delegate(force: true)
        XCTAssertEqual(fixture.credentialUploads(), 2)
        XCTAssertEqual(try fixture.waitUntilTerminal(client, first).state, .finished)
        XCTAssertEqual(try fixture.waitUntilTerminal(client, second).state, .finished)
    }

    func testConcurrentFirstSubmitsShareOneDelegation() throws {
        let client = try fixture.certificateClient()
        let transfers = try (0..<6).map { try fixture.transfer("parallel-\($0).bin", data: FTS3EmulatorFixture.pattern(256, seed: UInt32($0 + 3))) }
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: transfers.count) { index in
            do {
                results.add(.success(try client.submit([transfers[index]], options: TransferOptions())))
            } catch {
                results.add(.failure(error))
            }
        }
        let jobIDs = try results.all.map { try $0.get() }
        XCTAssertEqual(Set(jobIDs).count, transfers.count)
        XCTAssertEqual(fixture.credentialUploads(), 1, "the other submits waited for the first delegation")
    }

    func testA419AfterTheServerLostTheDelegationIsCuredByDelegatingAgain() throws {
        let client = try fixture.certificateClient()
        let transfer = try fixture.transfer("again.bin", data: FTS3EmulatorFixture.pattern(512))
        _ = try client.submit([transfer], options: TransferOptions())
        XCTAssertEqual(fixture.credentialUploads(), 1)

        // The server forgets the proxy behind the client's back (as when it expires or an admin removes it).
        let id = FTS3Emulator.delegationID(forDN: fixture.pki.userDN)
        let http = HTTPClient(configuration: FTS3API.httpConfiguration(
            fixture.configuration(.certificate(cert: fixture.pki.userCertificate.path, key: fixture.pki.userKey.path)),
            identity: .x509(certificatePath: fixture.pki.userCertificate.path, keyPath: fixture.pki.userKey.path),
            environment: .current), logger: fixture.logger)
        XCTAssertEqual(try http.send(HTTPRequest(method: .delete, url: fixture.endpoint.absoluteString + "/delegation/\(id)")).status, 204)

        let jobID = try client.submit([transfer], options: TransferOptions(overwrite: true))
        let submits = fixture.requests().filter { $0.method == "POST" && $0.path == "/jobs" }.map(\.status)
        XCTAssertEqual(submits, [200, 419, 200], "refused for want of a delegation, then accepted")
        XCTAssertEqual(fixture.credentialUploads(), 2)
        XCTAssertEqual(try fixture.waitUntilTerminal(client, jobID).state, .finished)
    }

    func testCopyBetweenTwoRSEsFinishesWithIdenticalBytes() throws {
        let client = try fixture.certificateClient()
        let data = FTS3EmulatorFixture.pattern(300_000)
        let transfer = try fixture.transfer("payload.bin", data: data)
        let jobID = try client.submit([transfer], options: TransferOptions(metadata: ["origin": "FTS3ClientEmulatorTests"]))

        let status = try fixture.waitUntilTerminal(client, jobID)
        XCTAssertEqual(status.jobID, jobID)
        XCTAssertEqual(status.state, .finished, "reason: \(status.reason ?? "-"); files: \(status.files)")
        XCTAssertEqual(status.files.count, 1)
        let file = try XCTUnwrap(status.files.first)
        XCTAssertEqual(file.state, "FINISHED")
        XCTAssertEqual(file.source, transfer.source)
        XCTAssertEqual(file.destination, transfer.destination)
        XCTAssertEqual(file.size, UInt64(data.count))
        XCTAssertEqual(file.transferred, UInt64(data.count))
        XCTAssertEqual(status.bytesTransferred, status.bytesTotal)
        XCTAssertEqual(fixture.copiedBytes("payload.bin"), data)
        XCTAssertEqual(fixture.fts.jobState(jobID), "FINISHED")
    }

    func testProgressIsVisibleWhileActiveAndSeveralFilesAreReportedInOrder() throws {
        fixture.tearDown()
        fixture = try FTS3EmulatorFixture(transferDuration: 1.5)
        let client = try fixture.certificateClient()
        let files = try (0..<2).map { try fixture.transfer("multi-\($0).bin", data: FTS3EmulatorFixture.pattern(100_000 + $0, seed: UInt32($0 + 1))) }
        let jobID = try client.submit(files, options: TransferOptions())
        var sawActive = false
        let deadline = Date().addingTimeInterval(30)
        var status = try client.status(of: jobID)
        while !status.state.isTerminal, Date() < deadline {
            if status.state == .active { sawActive = true }
            XCTAssertEqual(status.files.map(\.source), files.map(\.source))
            Thread.sleep(forTimeInterval: 0.1)
            status = try client.status(of: jobID)
        }
        XCTAssertTrue(sawActive, "the job was seen ACTIVE")
        XCTAssertEqual(status.state, .finished)
        XCTAssertEqual(status.filesFinished, 2)
        XCTAssertEqual(status.bytesTransferred, 200_001)
    }

    func testFailedFileFailsTheJobWithTheReason() throws {
        let client = try fixture.certificateClient()
        fixture.fts.failFiles(matching: "doomed", reason: "TRANSFER [5] emulated storage meltdown")
        let transfer = try fixture.transfer("doomed.bin", data: FTS3EmulatorFixture.pattern(4096))
        let jobID = try client.submit([transfer], options: TransferOptions())
        let status = try fixture.waitUntilTerminal(client, jobID)
        XCTAssertEqual(status.state, .failed)
        XCTAssertEqual(status.files.first?.state, "FAILED")
        XCTAssertEqual(status.files.first?.reason, "TRANSFER [5] emulated storage meltdown")
        XCTAssertEqual(status.files.first?.transferred, 0)
        XCTAssertNil(fixture.copiedBytes("doomed.bin"))
    }

    func testCancelStopsTheJobAndCancellingAgainIsFine() throws {
        fixture.tearDown()
        fixture = try FTS3EmulatorFixture(transferDuration: 5)
        let client = try fixture.certificateClient()
        let jobID = try client.submit([fixture.transfer("slow.bin", data: FTS3EmulatorFixture.pattern(10_000))], options: TransferOptions())
        try client.cancel(jobID)
        let status = try fixture.waitUntilTerminal(client, jobID)
        XCTAssertEqual(status.state, .canceled)
        XCTAssertTrue(status.files.allSatisfy { $0.state == "CANCELED" }, "\(status.files)")
        XCTAssertNoThrow(try client.cancel(jobID), "cancelling an ended job is not an error")
        XCTAssertEqual(try client.status(of: jobID).state, .canceled)
    }

    func testUnknownJobIsNotFound() throws {
        let client = try fixture.certificateClient()
        let unknown = "00000000-0000-0000-0000-000000000000"
        XCTAssertThrowsError(try client.status(of: unknown)) { XCTAssertEqual($0 as? FSError, .notFound) }
        XCTAssertThrowsError(try client.cancel(unknown)) { XCTAssertEqual($0 as? FSError, .notFound) }
    }

    func testInvalidSubmissionIsEINVALWithTheServersMessage() throws {
        let client = try fixture.certificateClient()
        XCTAssertThrowsError(try client.submit([TransferFile(source: "not a url", destination: "neither")], options: TransferOptions())) { error in
            guard case .invalidArgument(let why)? = error as? FSError else { return XCTFail("expected EINVAL, got \(error)") }
            XCTAssertTrue(why.hasPrefix("FTS3 submit: "), why)
        }
    }

    func testBearerTokenUserNeverDelegates() throws {
        let client = try fixture.tokenClient()
        let whoami = try client.whoami()
        XCTAssertEqual(whoami.userDN, FTS3EmulatorFixture.tokenUserDN)
        XCTAssertEqual(whoami.method, "oauth2")
        XCTAssertNil(try client.delegate(force: true))

        let data = FTS3EmulatorFixture.pattern(50_000, seed: 99)
        let jobID = try client.submit([fixture.transfer("token.bin", data: data)], options: TransferOptions())
        let status = try fixture.waitUntilTerminal(client, jobID)
        XCTAssertEqual(status.state, .finished, "reason: \(status.reason ?? "-"); files: \(status.files)")
        XCTAssertEqual(fixture.copiedBytes("token.bin"), data)
        XCTAssertTrue(fixture.requests().allSatisfy { !$0.path.hasPrefix("/delegation") }, "\(fixture.requests())")
    }

    func testAWrongTokenIsEACCES() throws {
        let client = try FTS3Client(configuration: fixture.configuration(.bearer(token: "not-a-known-token")), logger: fixture.logger)
        XCTAssertThrowsError(try client.whoami()) { XCTAssertEqual($0 as? FSError, .permissionDenied) }
        XCTAssertThrowsError(try client.submit([TransferFile(source: "http://a/x", destination: "http://b/y")],
                                               options: TransferOptions())) { XCTAssertEqual($0 as? FSError, .permissionDenied) }
    }

    func testLogsNeverContainTheTokenOrKeyMaterial() throws {
        let capture = CapturedLog()
        var logger = Logger(label: "test.fts3-capture") { _ in CapturingLogHandler(log: capture) }
        logger.logLevel = .trace
        let certificate = try FTS3Client(configuration: fixture.configuration(.certificate(
            cert: fixture.pki.userCertificate.path, key: fixture.pki.userKey.path)), logger: logger)
        let token = try FTS3Client(configuration: fixture.configuration(.bearer(token: FTS3EmulatorFixture.token)), logger: logger)
        let jobID = try certificate.submit([fixture.transfer("logged.bin", data: FTS3EmulatorFixture.pattern(100))],
                                           options: TransferOptions())
        _ = try certificate.delegate(force: true)
        _ = try fixture.waitUntilTerminal(certificate, jobID)
        _ = try token.whoami()
        XCTAssertThrowsError(try token.status(of: "00000000-0000-0000-0000-000000000000"))

        let lines = capture.lines
        XCTAssertTrue(lines.contains { $0.contains("delegated a proxy") }, "the delegation is logged: \(lines)")
        for line in lines {
            XCTAssertFalse(line.contains(FTS3EmulatorFixture.token), line)
            XCTAssertFalse(line.contains("-----BEGIN"), line)
        }
    }
}

private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<String, Error>] = []

    var all: [Result<String, Error>] { lock.withLock { results } }
    func add(_ result: Result<String, Error>) { lock.withLock { results.append(result) } }
}
