import Foundation

/// The demo's JDMA content: user `demo` (also the default `$USER` of a demo) in workspace `gws-climate` with a
/// 10 GiB quota per backend, and three batches already on tape with nested file trees.
public enum JDMADemoData {
    public static let user = "demo"
    public static let workspace = "gws-climate"

    /// Seeds the emulator and returns the batch ids, in the order: `cmip6-tas-2015`, `era5 surface/1990s`,
    /// `obs_stations`.
    @discardableResult
    public static func seedDemo(into emulator: JDMAEmulator) throws -> [Int] {
        emulator.addUser(user, workspaces: [workspace], quotaBytes: 10 << 30)
        let text = { (s: String) in Data(s.utf8) }
        let batches: [(String, [String: Data])] = [
            ("cmip6-tas-2015", [
                "README.txt": text("CMIP6 near-surface air temperature, 2015, emulated.\n"),
                "day/tas_day_2015_01.nc": Data(DeterministicData.bytes(count: 256 << 10, seed: 1)),
                "day/tas_day_2015_02.nc": Data(DeterministicData.bytes(count: 192 << 10, seed: 2)),
                "mon/tas_Amon_2015.nc": Data(DeterministicData.bytes(count: 64 << 10, seed: 3)),
            ]),
            ("era5 surface/1990s", [
                "1990/t2m.grib": Data(DeterministicData.bytes(count: 128 << 10, seed: 4)),
                "1991/t2m.grib": Data(DeterministicData.bytes(count: 128 << 10, seed: 5)),
                "1991/extra/notes.md": text("# ERA5 1991\nReprocessed surface fields.\n"),
            ]),
            ("obs_stations", [
                "stations.csv": text("id,name,lat,lon\n1,Chilbolton,51.14,-1.44\n2,Harwell,51.57,-1.31\n"),
                "qc/2020/flags.json": text("{\"flagged\": [2], \"reason\": \"sensor drift\"}\n"),
            ]),
        ]
        return try batches.map { label, files in
            try emulator.addBatch(user: user, workspace: workspace, label: label, files: files, onTape: true)
        }
    }
}
