import Foundation

/// Sample tenant for the demo and the tests: three systems (a project store, a read-only community archive and a
/// writable scratch system), a few files and folders, one FINISHED job with outputs and one RUNNING job whose
/// `progress.log` grows for ten minutes before it archives and finishes.
///
/// Files are written only where they are missing, so a restarted demo keeps what the user changed.
public enum TapisDemoData {
    public static let workSystem = "tacc-work"
    public static let archiveSystem = "community-archive"
    public static let scratchSystem = "tacc-scratch"
    public static let finishedJobName = "seismic-inversion"
    public static let runningJobName = "seismic-forecast"
    public static let appId = "seismic-solver"

    public static var systems: [TapisSystem] {
        [
            TapisSystem(id: workSystem, description: "Project storage on the work file system",
                        host: "work.tapis.demo", permission: .modify, canExec: false),
            TapisSystem(id: archiveSystem, description: "Published community data sets (read-only)",
                        host: "archive.tapis.demo", permission: .read, canExec: false),
            TapisSystem(id: scratchSystem, description: "Scratch space of the demo cluster, purged after 10 days",
                        host: "cluster.tapis.demo", permission: .modify, canExec: true),
        ]
    }

    /// system → relative path → bytes.
    public static var files: [String: [String: Data]] {
        var rows = ["station,time_s,peak_ground_acceleration_g"]
        for station in ["ANMO", "COR", "HRV", "PAB"] {
            for step in 0..<40 { rows.append("\(station),\(step * 15),\(String(format: "%.4f", 0.01 + Double(step % 9) * 0.0125))") }
        }
        return [
            workSystem: [
                "README.md": Data("# Seismic project\n\nInputs are in data/, results of finished runs in results/.\n".utf8),
                "data/stations.csv": Data((rows.joined(separator: "\n") + "\n").utf8),
                "data/raw/event-2024-11-02.txt": Data((0..<500).map { "sample \($0): \(($0 * 37) % 101)" }.joined(separator: "\n").utf8),
                "results/.keep": Data(),
            ],
            archiveSystem: [
                "catalogs/global-2023.csv": Data("event_id,magnitude,depth_km\nev-001,6.1,10\nev-002,5.4,33\nev-003,7.0,15\n".utf8),
                "LICENSE.txt": Data("CC-BY-4.0: cite the community archive when you use these data.\n".utf8),
            ],
            scratchSystem: [
                "tmp/notes.txt": Data("scratch files are purged after 10 days\n".utf8),
            ],
        ]
    }

    public static var finishedOutputs: [String: Data] {
        [
            "inversion.out": Data((1...120).map { "iteration \($0): misfit \(String(format: "%.5f", 2.0 / Double($0)))" }
                .joined(separator: "\n").appending("\n").utf8),
            "inversion.err": Data("warning: station PAB has gaps\n".utf8),
            "model/velocity.csv": Data("depth_km,vp_km_s,vs_km_s\n0,5.8,3.36\n20,6.5,3.75\n35,8.04,4.47\n".utf8),
            "model/README.txt": Data("Velocity model from the inversion, one row per layer.\n".utf8),
        ]
    }

    /// Adds the systems, the files that are missing and the two jobs.
    public static func seed(into emulator: TapisEmulator) throws {
        for system in systems { try emulator.addSystem(system) }
        for (system, entries) in files {
            for (path, data) in entries {
                let url = emulator.localURL(system: system, path: path)
                if FileManager.default.fileExists(atPath: url.path) { continue }
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            }
        }
        let now = Date()
        try emulator.addJob(name: finishedJobName, appId: appId, execSystemId: scratchSystem, archiveSystemId: workSystem,
                            status: "FINISHED", outputs: finishedOutputs, created: now.addingTimeInterval(-2 * 3600))
        try emulator.addJob(name: runningJobName, appId: appId, execSystemId: scratchSystem, archiveSystemId: workSystem,
                            status: "RUNNING", outputs: ["forecast.out": Data("starting forecast\n".utf8)],
                            created: now.addingTimeInterval(-10), timeline: .init(running: 600, archiving: 60, logInterval: 5))
    }
}
