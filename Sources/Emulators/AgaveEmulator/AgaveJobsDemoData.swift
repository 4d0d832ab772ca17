import Foundation

/// Jobs for the demo tenant: one FINISHED job with CSV outputs, a log and a nested folder, and one RUNNING job
/// that keeps appending to `progress.log` for ten minutes, archives for a minute and then finishes.
///
/// Idempotent like `DemoData`: a marker file records that the jobs were added, so a restarted demo keeps the
/// same job ids (the store reloads them from disk).
public enum AgaveJobsDemoData {
    public static let finishedJobName = "ocean-model-calibration"
    public static let runningJobName = "ocean-model-forecast"
    public static let appId = "ocean-model-2.1.0"
    public static let executionSystem = "hpc.tacc.demo"
    static let markerName = ".demo-jobs-seeded-v1"

    /// The outputs of the finished demo job (relative path → bytes).
    public static var finishedOutputs: [String: Data] {
        var outputs: [String: Data] = [:]
        var rows = ["station,day,temperature_c,salinity_psu"]
        for station in ["north", "south", "east", "west"] {
            for day in 1...30 {
                let temperature = 12.0 + Double(day % 7) * 0.75 + (station == "south" ? 3.5 : 0)
                rows.append("\(station),\(day),\(String(format: "%.2f", temperature)),\(35 + day % 3)")
            }
        }
        outputs["results/temperature.csv"] = Data((rows.joined(separator: "\n") + "\n").utf8)
        outputs["results/summary.csv"] = Data("station,mean_temperature_c\nnorth,14.14\nsouth,17.64\neast,14.14\nwest,14.14\n".utf8)
        outputs["results/plots/README.txt"] = Data("Plots are rendered by the post-processing app.\n".utf8)
        outputs["ocean-model.out"] = Data((1...200).map { "iteration \($0): residual \(String(format: "%.6f", 1.0 / Double($0)))" }
            .joined(separator: "\n").appending("\n").utf8)
        outputs["ocean-model.err"] = Data("warning: ocean-model: coarse grid near the coast\n".utf8)
        return outputs
    }

    public static func seedDemo(into emulator: AgaveEmulator) throws {
        let marker = emulator.stateDirectory.appendingPathComponent(markerName)
        if FileManager.default.fileExists(atPath: marker.path) { return }
        let now = Date()
        try emulator.addJob(name: finishedJobName, appId: appId, executionSystem: executionSystem, status: "FINISHED",
                            outputs: finishedOutputs, created: now.addingTimeInterval(-3 * 3600))
        try emulator.addJob(name: runningJobName, appId: appId, executionSystem: executionSystem,
                                          status: "RUNNING", outputs: ["ocean-model.out": Data("starting forecast\n".utf8)],
                                          created: now.addingTimeInterval(-10),
                                          timeline: .init(running: 600, archiving: 60, logInterval: 5))
        try Data("seeded \(now)\n".utf8).write(to: marker)
    }
}
