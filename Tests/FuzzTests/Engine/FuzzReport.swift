import Foundation

/// Writes the fuzz results as Markdown under `SCIENCEFS_REPORTS`: each family its own `fuzz-<family>.md` (test
/// methods run separately, possibly in parallel processes, so none rewrites another's file), then `fuzz-report.md`
/// rebuilt from all of those present. Crashes are always 0 here: a crash ends the process before a report exists.
enum FuzzReport {
    static let header = """
        | family | parser | inputs | accepted | rejected | crashes | broken invariants | seconds | inputs/s | slowest ms | seed |
        |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
        """

    /// `skipped`: targets left out by `SCIENCEFS_FUZZ_SKIP` (known crashes), listed so the table does not hide them.
    static func write(family: String, results: [FuzzCampaign.TargetResult], skipped: [String], violations: Int,
                      seedText: String, into directory: URL) {
        var rows: [String] = results.map { r in
            row(family, r.name, r.inputs, r.accepted, r.rejected, 0, r.seconds, r.slowestSeconds, seedText)
        }
        rows += skipped.map { "| \(family) | \($0) | skipped (SCIENCEFS_FUZZ_SKIP: known crash) | - | - | - | - | - | - | - | \(seedText) |" }
        let total = results.reduce(into: FuzzCampaign.TargetResult(name: "**all**")) { sum, r in
            sum.inputs += r.inputs
            sum.accepted += r.accepted
            sum.rejected += r.rejected
            sum.seconds += r.seconds
            sum.slowestSeconds = max(sum.slowestSeconds, r.slowestSeconds)
        }
        rows.append(row(family, total.name, total.inputs, total.accepted, total.rejected, violations, total.seconds,
                        total.slowestSeconds, seedText))
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let own = "# Fuzz: \(family)\n\n" + header + "\n" + rows.joined(separator: "\n") + "\n"
            try own.write(to: directory.appendingPathComponent("fuzz-\(family).md"), atomically: true, encoding: .utf8)
            try merged(in: directory).write(to: directory.appendingPathComponent("fuzz-report.md"), atomically: true, encoding: .utf8)
        } catch {
            print("fuzz: cannot write the report into \(directory.path): \(error)")
        }
    }

    private static func row(_ family: String, _ name: String, _ inputs: Int, _ accepted: Int, _ rejected: Int,
                            _ violations: Int, _ seconds: Double, _ slowest: Double, _ seed: String) -> String {
        let rate = seconds > 0 ? String(Int(Double(inputs) / seconds)) : "-"
        return "| \(family) | \(name) | \(inputs) | \(accepted) | \(rejected) | 0 | \(violations) | "
            + "\(String(format: "%.1f", seconds)) | \(rate) | \(String(format: "%.1f", slowest * 1000)) | \(seed) |"
    }

    /// Every family's rows under one header.
    private static func merged(in directory: URL) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("fuzz-") && $0.hasSuffix(".md") && $0 != "fuzz-report.md" }
            .sorted()
        var rows: [String] = []
        for name in files {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            rows += text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| ") && !$0.hasPrefix("| family ") }
        }
        return """
            # Parser fuzzing

            Property: every parser returns a value or throws a typed error for every input — no crash, trap or hang —
            and the invariants each test names hold. Inputs are mutations of valid documents (byte-level, structure-aware
            JSON, line-level for streams); rerun with `SCIENCEFS_FUZZ_SEED=<seed> SCIENCEFS_FUZZ_INPUTS=<inputs>`.
            Seconds are parser time in a debug build.

            \(header)
            \(rows.joined(separator: "\n"))

            """
    }
}
