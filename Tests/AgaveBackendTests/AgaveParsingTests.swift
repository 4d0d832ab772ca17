@testable import AgaveBackend
import Foundation
import SciencefsCore
import SciencefsHTTP
import XCTest

final class AgaveParsingTests: XCTestCase {
    func testTimestampsWithMillisAndNumericOffsets() throws {
        let chicago = try XCTUnwrap(AgaveTimestamp.parse("2018-07-10T12:28:01.000-05:00"))
        XCTAssertEqual(chicago.timeIntervalSince1970, 1_531_243_681, accuracy: 0.001)
        let utc = try XCTUnwrap(AgaveTimestamp.parse("2018-07-10T17:28:01.250+00:00"))
        XCTAssertEqual(utc.timeIntervalSince1970, 1_531_243_681.25, accuracy: 0.001)
        XCTAssertEqual(AgaveTimestamp.parse("2018-07-10T17:28:01Z")?.timeIntervalSince1970, 1_531_243_681)
        XCTAssertEqual(AgaveTimestamp.parse("2018-07-10T22:58:01+0530")?.timeIntervalSince1970, 1_531_243_681)
        XCTAssertNil(AgaveTimestamp.parse("yesterday"))
        XCTAssertNil(AgaveTimestamp.parse("2018-13-10T17:28:01Z"))
    }

    func testPermissionStringsMapToOwnerBitsAndReadExecuteForOthers() {
        XCTAssertEqual(AgavePermissions.mode("READ", kind: .file), 0o444)
        XCTAssertEqual(AgavePermissions.mode("READ_WRITE", kind: .file), 0o644)
        XCTAssertEqual(AgavePermissions.mode("ALL", kind: .file), 0o755)
        XCTAssertEqual(AgavePermissions.mode("READ_EXECUTE", kind: .file), 0o555)
        XCTAssertEqual(AgavePermissions.mode("WRITE", kind: .file), 0o200)
        XCTAssertEqual(AgavePermissions.mode("NONE", kind: .file), 0)
        XCTAssertEqual(AgavePermissions.mode("READ_WRITE", kind: .directory), 0o755, "a readable directory is traversable")
        XCTAssertEqual(AgavePermissions.mode(nil, kind: .file), 0o444)
    }

    func testPathSegmentsArePercentEncodedOneByOne() {
        let endpoints = AgaveEndpoints(baseURL: "https://h")
        XCTAssertEqual(endpoints.media(system: "sys", path: ["a b", "100%", "x#y?z", "p+q", "é"]),
                       "https://h/files/v2/media/system/sys/a%20b/100%25/x%23y%3Fz/p%2Bq/%C3%A9")
        XCTAssertEqual(endpoints.listing(system: "s", path: [], limit: 5, offset: 10),
                       "https://h/files/v2/listings/system/s/?limit=5&offset=10")
    }

    func testListingRowsDecodeIntoAttributes() throws {
        let json = """
        {"status":"success","message":null,"version":"2.2.27","result":[
         {"name":".","path":"/p","lastModified":"2018-07-10T12:28:01.000-05:00","length":4096,"permissions":"ALL",
          "format":"folder","mimeType":"text/directory","type":"dir","system":"s","_links":{}},
         {"name":"f.txt","path":"/p/f.txt","lastModified":"2018-07-10T12:28:01.000-05:00","length":"12",
          "permissions":"READ","format":"raw","mimeType":"text/plain","type":"file","system":"s","_links":{}}]}
        """
        let rows = try JSONDecoder().decode(AgaveEnvelope<[AgaveFileRecord]>.self, from: Data(json.utf8)).result ?? []
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows[0].isSelfOrParent)
        XCTAssertEqual(rows[0].attributes.kind, .directory)
        XCTAssertEqual(rows[0].attributes.size, 0)
        XCTAssertEqual(rows[1].attributes, RemoteAttributes(kind: .file, size: 12,
                                                            mtime: Date(timeIntervalSince1970: 1_531_243_681),
                                                            permissions: 0o444))
    }

    func testCredentialsFileAcceptsAnObjectWithNumericFields() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("agave-current-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("""
        {"tenantid":"tacc.prod","baseurl":"https://api.tacc.utexas.edu","apikey":"k","apisecret":"s","username":"u",
         "access_token":"a","refresh_token":"r","created_at":1500000000,"expires_in":14400,"expires_at":"Thu Sep 21"}
        """.utf8).write(to: file)
        XCTAssertEqual(chmod(file.path, 0o600), 0)
        let credentials = try AgaveCredentialsFile(url: file).read()
        XCTAssertEqual(credentials.baseURL, "https://api.tacc.utexas.edu")
        XCTAssertEqual(credentials.expiry, Date(timeIntervalSince1970: 1_500_014_400))

        try AgaveCredentialsFile(url: file).writeTokens(accessToken: "a2", refreshToken: "r2",
                                                        createdAt: Date(timeIntervalSince1970: 1_600_000_000), expiresIn: 3600)
        let again = try AgaveCredentialsFile(url: file).read()
        XCTAssertEqual(again.accessToken, "a2")
        XCTAssertEqual(again.refreshToken, "r2")
        XCTAssertEqual(again.tenantID, "tacc.prod")
        XCTAssertEqual(again.expiry, Date(timeIntervalSince1970: 1_600_003_600))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600, "the atomic rewrite keeps the file private")
    }

    func testAgaveCacheDirOverridesHome() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("agave-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(AgaveCredentialsFile.defaultLocation(environment: ["AGAVE_CACHE_DIR": dir.path, "HOME": "/home/x"]).path,
                       dir.appendingPathComponent("current").path)
        XCTAssertEqual(AgaveCredentialsFile.defaultLocation(environment: ["AGAVE_CACHE_DIR": "/does/not/exist", "HOME": "/home/x"]).path,
                       "/home/x/.agave/current")
    }
}
