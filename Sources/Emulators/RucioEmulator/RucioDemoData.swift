import EmulatorSupport
import Foundation

/// The demo tree: two scopes with containers, datasets and files whose bytes are `DeterministicData` for
/// `seed(scope:name:)`, so tests can recompute any file's content.
///
/// - `data23` (account `root`): container `data23.physics` → datasets `data23.physics.run001.AOD` (12 files,
///   1 KiB…4 MiB, every other one on both RSEs, metadata `datatype`/`run_number`/`events`) and
///   `data23.physics.run002.AOD` (5 files, **closed**); dataset `data23.calib.large` with `largeDatasetCount`
///   small files on SITE_A.
/// - `user.alice` (account `alice`): container `user.alice.analysis` → dataset `user.alice.analysis.v1` (8 files,
///   one named `plots/2023/summary.txt`, i.e. with `/` in the name); open dataset `user.alice.scratch` (3 files
///   on SITE_B); and `user.alice.notes.txt`, a file attached to nothing (a top-level file DID).
public enum RucioDemoData {
    public static let userScope = "user.alice"
    public static let dataScope = "data23"
    public static let physicsContainer = "data23.physics"
    public static let run1Dataset = "data23.physics.run001.AOD"
    public static let closedDataset = "data23.physics.run002.AOD"
    public static let largeDataset = "data23.calib.large"
    public static let largeDatasetCount = 5_000
    public static let analysisContainer = "user.alice.analysis"
    public static let analysisDataset = "user.alice.analysis.v1"
    public static let scratchDataset = "user.alice.scratch"
    public static let slashName = "plots/2023/summary.txt"
    public static let looseFile = "user.alice.notes.txt"

    /// The `DeterministicData` seed of a demo file (FNV-1a of `scope:name`).
    public static func seed(scope: String, name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(scope):\(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The demo file names of the 5,000-file dataset, in order.
    public static func largeDatasetFileName(_ index: Int) -> String {
        String(format: "calib.%05d.dat", index)
    }

    public static func seedDemo(into emulator: RucioEmulator) throws {
        let rses = emulator.configuration.rses.map(\.name)
        guard let siteA = rses.first else { throw RucioEmulator.EmulatorError.unknownRSE("(no RSE configured)") }
        let siteB = rses.dropFirst().first ?? siteA
        let both = siteA == siteB ? [siteA] : [siteA, siteB]

        func file(_ scope: String, _ name: String, size: Int, rses: [String], meta: [String: String] = [:]) throws {
            try emulator.addFile(scope: scope, name: name, size: size, seed: seed(scope: scope, name: name), rses: rses, meta: meta)
        }

        try emulator.addScope(dataScope, account: "root")
        try emulator.addScope(userScope, account: "alice")

        // data23: physics container with two runs.
        try emulator.addCollection(scope: dataScope, name: physicsContainer, type: .container)
        try emulator.addCollection(scope: dataScope, name: run1Dataset, type: .dataset)
        try emulator.addCollection(scope: dataScope, name: closedDataset, type: .dataset)
        try emulator.attach(scope: dataScope, name: physicsContainer,
                            children: [(dataScope, run1Dataset), (dataScope, closedDataset)])
        let sizes = [1_024, 10_000, 65_536, 100_003, 262_144, 500_000, 1 << 20, 1_500_001, 2 << 20, 3_000_000, 4 << 20, 0]
        var run1: [(scope: String, name: String)] = []
        for (index, size) in sizes.enumerated() {
            let name = String(format: "AOD.run001._%06d.pool.root", index + 1)
            try file(dataScope, name, size: size, rses: index % 2 == 0 ? both : [siteA],
                     meta: ["datatype": "AOD", "run_number": "1", "events": String(100 * (index + 1))])
            run1.append((dataScope, name))
        }
        try emulator.attach(scope: dataScope, name: run1Dataset, children: run1)
        var run2: [(scope: String, name: String)] = []
        for index in 0..<5 {
            let name = String(format: "AOD.run002._%06d.pool.root", index + 1)
            try file(dataScope, name, size: 20_000 * (index + 1), rses: [siteB], meta: ["datatype": "AOD", "run_number": "2"])
            run2.append((dataScope, name))
        }
        try emulator.attach(scope: dataScope, name: closedDataset, children: run2)
        try emulator.setOpen(scope: dataScope, name: closedDataset, open: false)

        try emulator.addCollection(scope: dataScope, name: largeDataset, type: .dataset)
        var large: [(scope: String, name: String)] = []
        large.reserveCapacity(largeDatasetCount)
        for index in 0..<largeDatasetCount {
            let name = largeDatasetFileName(index)
            try file(dataScope, name, size: 64 + index % 193, rses: [siteA], meta: ["datatype": "CALIB"])
            large.append((dataScope, name))
        }
        try emulator.attach(scope: dataScope, name: largeDataset, children: large)

        // user.alice: an analysis container, a scratch dataset and a loose file.
        try emulator.addCollection(scope: userScope, name: analysisContainer, type: .container)
        try emulator.addCollection(scope: userScope, name: analysisDataset, type: .dataset)
        try emulator.attach(scope: userScope, name: analysisContainer, children: [(userScope, analysisDataset)])
        var analysis: [(scope: String, name: String)] = []
        for index in 0..<7 {
            let name = "user.alice.hist.\(index + 1).root"
            try file(userScope, name, size: 3_000 + 7_919 * index, rses: index % 3 == 0 ? both : [siteB],
                     meta: ["datatype": "HIST", "run_number": "1"])
            analysis.append((userScope, name))
        }
        try file(userScope, slashName, size: 4_321, rses: both, meta: ["datatype": "TXT"])
        analysis.append((userScope, slashName))
        try emulator.attach(scope: userScope, name: analysisDataset, children: analysis)

        try emulator.addCollection(scope: userScope, name: scratchDataset, type: .dataset)
        var scratch: [(scope: String, name: String)] = []
        for index in 0..<3 {
            let name = "user.alice.scratch.\(index + 1).log"
            try file(userScope, name, size: 777 * (index + 1), rses: [siteB])
            scratch.append((userScope, name))
        }
        try emulator.attach(scope: userScope, name: scratchDataset, children: scratch)
        try file(userScope, looseFile, size: 512, rses: [siteA])
    }
}
