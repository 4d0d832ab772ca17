@testable import AgaveBackend
@testable import AMIEBackend
import Foundation
@testable import FTS3Client
@testable import JDMABackend
@testable import RucioBackend
@testable import sciencefs
import XCTest

/// Nesting far past any parser's limit: 100,000 `[` (closed and unclosed), nested objects, and a valid envelope
/// around deep nesting, for every JSON entry point; and deep arrays / inline tables in a `config.toml`. A
/// recursive parser without a depth limit would overflow the stack here and kill the process, which the fuzz
/// recorder reports; a parser with one must throw.
final class DeepNestingFuzzTests: XCTestCase {
    private static let depth = 100_000

    private static var documents: [(name: String, bytes: Data)] {
        let d = depth
        func text(_ s: String) -> Data { Data(s.utf8) }
        return [
            ("open arrays", text(String(repeating: "[", count: d))),
            ("closed arrays", text(String(repeating: "[", count: d) + String(repeating: "]", count: d))),
            ("open objects", text(String(repeating: "{\"a\":", count: d))),
            ("closed objects", text(String(repeating: "{\"a\":", count: d) + "1" + String(repeating: "}", count: d))),
            ("envelope around arrays", text("{\"status\":\"success\",\"result\":" + String(repeating: "[", count: d) + String(repeating: "]", count: d) + "}")),
            ("nesting at 511", text(String(repeating: "[", count: 511) + String(repeating: "]", count: 511))),
            ("result at 511", text("{\"result\":" + String(repeating: "[", count: 510) + String(repeating: "]", count: 510) + "}")),
        ]
    }

    func testDeeplyNestedJSONIsRefusedWithoutCrashing() throws {
        let api = AgaveAPI(configuration: AgaveConfiguration(baseURL: "http://127.0.0.1:9"),
                           http: .init(logger: .init(label: "fuzz")), logger: .init(label: "fuzz"))
        let url = "http://127.0.0.1:9/x"
        let parsers: [(String, (Data) throws -> Void)] = [
            ("JSONSerialization", { _ = try JSONSerialization.jsonObject(with: $0, options: [.fragmentsAllowed]) }),
            ("agave listing", { _ = try api.decodeResult([AgaveFileRecord].self, from: $0, url: url) }),
            ("agave job.json", { _ = try AgaveJobDocuments.prettyResult(of: $0, url: url) }),
            ("agave history", { _ = try AgaveJobDocuments.resultArray(of: $0, url: url) }),
            ("rucio meta", { _ = try JSONDecoder().decode([String: MetaValue].self, from: $0) }),
            ("rucio DID stream line", { _ = try JSONDecoder().decode(DIDRecord.self, from: $0) }),
            ("jdma file listing", { _ = try JSONDecoder().decode(JDMAFileListing.self, from: $0) }),
            ("amie JSON", { json in
                let value = try AMIEJSON.parse(json)
                _ = AMIEJSONPrinter.pretty(value)
                _ = try? AMIEPacketValidator.validated(value)
            }),
            ("fts3 files", { _ = try FTS3JobReplies.files($0) }),
        ]
        FuzzCrashRecorder.begin(family: "deep-nesting", targets: parsers.map(\.0), seedText: "none", hangLimit: 120)
        defer { FuzzCrashRecorder.end() }
        for (document, bytes) in Self.documents {
            for (index, (parser, parse)) in parsers.enumerated() {
                let clock = ContinuousClock()
                let elapsed = clock.measure {
                    bytes.withUnsafeBytes { raw in
                        FuzzCrashRecorder.whileParsing(raw, target: index) { _ = try? parse(bytes) }
                    }
                }
                print("fuzz: deep nesting: \(parser) on \(document): \(elapsed)")
            }
        }
    }

    func testDeeplyNestedTOMLIsRefusedWithoutCrashing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-fuzz-deep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.toml")
        let d = Self.depth
        let documents = [
            "[sources.a]\ntype = \"agave\"\nx = " + String(repeating: "[", count: d) + String(repeating: "]", count: d) + "\n",
            "[sources.a]\ntype = \"agave\"\nx = " + String(repeating: "{a=", count: d) + "1" + String(repeating: "}", count: d) + "\n",
            "[sources.a]\ntype = \"agave\"\nx = " + String(repeating: "[", count: d) + "\n",
            "[" + String(repeating: "a.", count: d) + "a]\n",
        ]
        for text in documents {
            try Data(text.utf8).write(to: file)
            XCTAssertThrowsError(try MountConfiguration.load(from: file), "nesting \(d) deep was accepted")
        }
    }
}
