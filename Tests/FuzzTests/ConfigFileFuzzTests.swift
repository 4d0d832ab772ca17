import AgaveBackend
import Foundation
@testable import RucioBackend
@testable import sciencefs
import XCTest

/// The files a user writes or a client tool leaves behind: `config.toml` (through `MountConfiguration.load`, which
/// takes a file, so each input is written to one temporary file first), `rucio.cfg` (`INIFile`, then the Rucio
/// configuration built from it) and the Agave CLI's credential cache (`AgaveCredentialsFile.read`).
final class ConfigFileFuzzTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-fuzz-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testConfigTOMLSurvivesMutatedInput() {
        let target = FuzzTarget("config-toml") { body in
            // The same path `load(from:)` takes once it has read the file (no disk write per input).
            let config = try MountConfiguration.parse(String(decoding: body, as: UTF8.self), origin: "config.toml")
            _ = (config.holdsSecrets, config.cacheRoot)
            try fuzzCheck(!config.sources.isEmpty, "a configuration without sources was accepted")
            for (name, source) in config.sources {
                try fuzzCheck(!name.isEmpty && !name.contains("/") && name != "." && name != "..", "source name \(name.debugDescription) accepted")
                try fuzzCheck(SourceType(rawValue: source.type) != nil, "source type \(source.type.debugDescription) accepted")
            }
        }
        FuzzCampaign(family: "config-toml", targets: [target], corpus: ConfigCorpus.toml, dictionary: ConfigCorpus.tomlDictionary).run()
    }

    func testRucioCfgSurvivesMutatedInput() {
        let target = FuzzTarget("rucio-cfg") { body in
            // INIFile(contentsOf:) reads the file exactly so.
            let ini = INIFile(parsing: String(decoding: body, as: UTF8.self))
            for (section, values) in ini.sections {
                for (key, value) in values {
                    // configparser semantics as documented: keys lower-cased and non-empty, values trimmed.
                    try fuzzCheck(!key.isEmpty && key == key.lowercased(), "[\(section)] key \(key.debugDescription)")
                    try fuzzCheck(value == value.trimmingCharacters(in: .whitespaces), "[\(section)] \(key) value not trimmed")
                }
            }
            _ = try RucioConfiguration.fromRucioConfig(ini: ini, origin: "rucio.cfg", environment: [:])
        }
        FuzzCampaign(family: "rucio-cfg", targets: [target], corpus: ConfigCorpus.rucioCfg, dictionary: ConfigCorpus.iniDictionary).run()
    }

    func testAgaveCredentialsFileSurvivesMutatedInput() {
        let target = FuzzTarget("agave-credentials") { body in
            let credentials = try AgaveCredentialsFile.parse(body, origin: "current")
            _ = credentials.expiry
        }
        FuzzCampaign(family: "agave-credentials", targets: [target], corpus: ConfigCorpus.agaveCredentials,
                     dictionary: FuzzMutator.jsonDictionary).run()
    }
}
