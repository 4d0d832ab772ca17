import Foundation
import SciencefsCore
@testable import TapisBackend
import XCTest

/// The pure parts of the Tapis source: permission strings, JWT expiry, listing rows, task states, credentials.
final class TapisParsingTests: XCTestCase {
    func testNativePermissionsBecomeModeBitsWithoutGroupOrOtherWrite() {
        XCTAssertEqual(TapisPermissions.mode("rwxr-xr-x", kind: .directory), 0o755)
        XCTAssertEqual(TapisPermissions.mode("rw-rw-rw-", kind: .file), 0o644)
        XCTAssertEqual(TapisPermissions.mode("r--------", kind: .file), 0o400)
        XCTAssertEqual(TapisPermissions.mode("-rwxr-x---", kind: .file), 0o750, "a leading type letter is ignored")
        XCTAssertEqual(TapisPermissions.mode("rwsr-xr-t", kind: .file), 0o755, "setuid and sticky letters keep x")
        XCTAssertEqual(TapisPermissions.mode(nil, kind: .file), 0o644)
        XCTAssertEqual(TapisPermissions.mode("READ", kind: .directory), 0o755, "not a native string: the default")
    }

    func testJWTExpiryIsReadFromTheExpClaim() throws {
        func segment(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let token = segment(#"{"alg":"RS256"}"#) + "." + segment(#"{"sub":"alice@tacc","exp":1893456000}"#) + ".sig"
        XCTAssertEqual(TapisJWT.expiry(of: token)?.timeIntervalSince1970, 1_893_456_000)
        XCTAssertNil(TapisJWT.expiry(of: "not-a-jwt"))
        XCTAssertNil(TapisJWT.expiry(of: segment("{}") + "." + segment(#"{"sub":"x"}"#) + ".s"))
    }

    func testAListingRowIsTheListedFileOnlyWhenItsPathIsThePathAsked() throws {
        let rows = try JSONDecoder().decode(TapisEnvelope<[TapisFileInfo]>.self, from: Data("""
            {"status":"success","message":"ok","result":[
              {"name":"a.txt","path":"data/a.txt","type":"file","size":12,"nativePermissions":"rw-r--r--",
               "lastModified":"2024-03-01T10:00:00Z"},
              {"name":"data","path":"data/data","type":"dir","size":4096}]}
            """.utf8)).result ?? []
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows[0].isItself(requested: ["data", "a.txt"]))
        XCTAssertFalse(rows[0].isItself(requested: ["data"]), "a child of the directory asked for")
        XCTAssertFalse(rows[1].isItself(requested: ["data"]), "a child that shares the directory's name")
        XCTAssertEqual(rows[0].attributes.size, 12)
        XCTAssertEqual(rows[0].attributes.permissions, 0o644)
        XCTAssertEqual(rows[0].attributes.mtime.timeIntervalSince1970, 1_709_287_200)
        XCTAssertEqual(rows[1].attributes.kind, .directory)
        XCTAssertEqual(rows[1].attributes.size, 0)
    }

    func testTransferTaskStatesMapToTheTrackersWords() {
        XCTAssertEqual(TapisTransferTasks.state("COMPLETED"), .finished)
        XCTAssertEqual(TapisTransferTasks.state("FAILED"), .failed)
        XCTAssertEqual(TapisTransferTasks.state("FAILED_OPT"), .failed)
        XCTAssertEqual(TapisTransferTasks.state("CANCELLED"), .canceled)
        XCTAssertEqual(TapisTransferTasks.state("IN_PROGRESS"), .active)
        XCTAssertEqual(TapisTransferTasks.state("ACCEPTED"), .submitted)
    }

    func testUserCredentialsComeFromTheActorEnvironmentThenTheCLISettings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tapis-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = dir.appendingPathComponent("config.json")
        try """
            [credentials]
            username = alice
            password: s3cret
            ; a comment
            [tapis.defaults]
            tenant = tacc
            base_url = https://tacc.tapis.io
            """.write(to: settings, atomically: true, encoding: .utf8)
        let fromFile = TapisUserCredentials.read(environment: [:], cliSettings: settings)
        XCTAssertEqual(fromFile, TapisUserCredentials(baseURL: "https://tacc.tapis.io", username: "alice", password: "s3cret"))
        let inActor = TapisUserCredentials.read(
            environment: ["_abaco_api_server": "https://dev.tapis.io", "_abaco_access_token": "jwt"], cliSettings: settings)
        XCTAssertEqual(inActor.baseURL, "https://dev.tapis.io", "the actor's own tenant wins")
        XCTAssertEqual(inActor.accessToken, "jwt")
        XCTAssertEqual(TapisUserCredentials.read(environment: [:], cliSettings: dir.appendingPathComponent("none")),
                       TapisUserCredentials())
    }
}
