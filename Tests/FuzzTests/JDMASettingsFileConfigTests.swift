import Foundation
@testable import JDMABackend
import Logging
@testable import sciencefs
import XCTest

/// A researcher who already uses `jdma` keeps the storage backends' secrets in `~/.jdma.json`; a JDMA source reads
/// them from there (or from `credentials_file`), with the file's default storage and workspace.
final class JDMASettingsFileConfigTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-jdma-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func jdmaConfiguration(extra: String) throws -> JDMAConfiguration {
        let config = try MountConfiguration.parse("""
            [sources.j]
            type = "jdma"
            base_url = "http://127.0.0.1:4"
            username = "u"
            staging_dir = "\(directory.path)"
            \(extra)
            """, origin: "config.toml")
        let backends = try BackendFactory.make(config.sources, logger: Logger(label: "test"))
        return try XCTUnwrap(backends.first as? JDMABackend).configuration
    }

    func testTheStorageBackendsCredentialsAndDefaultsComeFromTheClientsFile() throws {
        let file = directory.appendingPathComponent("jdma.json")
        try Data("""
            {"version": "1",
             "storage": {"elastictape": {"required_credentials": {"username": "et-alice"}},
                         "objectstore": {"required_credentials": {"access_key": "AK", "secret_key": "SK"}}},
             "default_storage": "objectstore", "default_gws": "gws-climate"}
            """.utf8).write(to: file)

        let defaults = try jdmaConfiguration(extra: "credentials_file = \"\(file.path)\"")
        XCTAssertEqual(defaults.storage, "objectstore", "the file's default_storage")
        XCTAssertEqual(defaults.workspaces, ["gws-climate"], "the file's default_gws")
        XCTAssertEqual(defaults.credentials, ["access_key": "AK", "secret_key": "SK"])
        XCTAssertFalse(defaults.description.contains("SK"), "the secret never reaches a log line")

        let chosen = try jdmaConfiguration(extra: """
            credentials_file = "\(file.path)"
            storage = "elastictape"
            workspaces = ["gws-ocean"]
            """)
        XCTAssertEqual(chosen.storage, "elastictape", "the source's own setting wins")
        XCTAssertEqual(chosen.workspaces, ["gws-ocean"])
        XCTAssertEqual(chosen.credentials, ["username": "et-alice"], "the chosen backend's credentials")

        let ftp = try jdmaConfiguration(extra: "credentials_file = \"\(file.path)\"\nstorage = \"ftp\"")
        XCTAssertEqual(ftp.credentials, [:], "a backend the file does not name gets none, as the client sends")
    }

    func testANamedFileThatIsMissingOrNotJSONStopsTheMountWithItsName() throws {
        let missing = directory.appendingPathComponent("absent.json").path
        XCTAssertThrowsError(try jdmaConfiguration(extra: "credentials_file = \"\(missing)\"")) { error in
            XCTAssertTrue("\(error)".contains(missing) && "\(error)".contains("does not exist"), "\(error)")
        }
        let broken = directory.appendingPathComponent("broken.json")
        try Data("{\"storage\": {\"objectstore\": {\"required_credentials\": [\"AK\"]}}}".utf8).write(to: broken)
        XCTAssertThrowsError(try jdmaConfiguration(extra: "credentials_file = \"\(broken.path)\"")) { error in
            XCTAssertTrue("\(error)".contains(broken.path) && "\(error)".contains("required_credentials"), "\(error)")
            XCTAssertFalse("\(error)".contains("AK"), "no value from the file in the message: \(error)")
        }
        let notJSON = directory.appendingPathComponent("text.json")
        try Data("username = et-alice".utf8).write(to: notJSON)
        XCTAssertThrowsError(try jdmaConfiguration(extra: "credentials_file = \"\(notJSON.path)\"")) { error in
            XCTAssertTrue("\(error)".contains("is not a JSON object"), "\(error)")
        }
    }

    func testNoFileAtTheDefaultPlaceMeansNoCredentials() throws {
        let home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        XCTAssertNil(try JDMASettingsFile.load(from: JDMASettingsFile.defaultLocation(environment: ["HOME": home.path])))
        XCTAssertEqual(JDMASettingsFile.defaultLocation(environment: ["HOME": "/home/alice"]).path, "/home/alice/.jdma.json")
    }

    func testNumbersInTheFileAreSentAsTheirText() throws {
        let settings = try JDMASettingsFile.parse(Data("""
            {"storage": {"ftp": {"required_credentials": {"username": "a", "port": 21, "passive": true}}}}
            """.utf8), file: "x")
        XCTAssertEqual(settings.credentials(for: "ftp"), ["username": "a", "port": "21", "passive": "true"])
    }
}
