import Foundation

/// The size and seed of a fuzz run, from the environment:
/// - `SCIENCEFS_FUZZ_INPUTS`: inputs per parser family (default 10,000, so the whole FuzzTests run stays well under a
///   minute in a debug build; the reliability script runs 1,000,000);
/// - `SCIENCEFS_FUZZ_SEED`: the run's seed, decimal or 0x-hex (default random; always printed, so any failure is
///   reproduced by setting it);
/// - `SCIENCEFS_FUZZ_SLOW_MS`: one input taking longer than this fails the test as a near-hang (default 10,000);
/// - `SCIENCEFS_REPORTS`: a directory to write `fuzz-report.md` into (nothing is written without it);
/// - `SCIENCEFS_FUZZ_REPLAY` + `SCIENCEFS_FUZZ_TARGET`: instead of fuzzing, feed that one saved input to that target
///   (e.g. `job-record`) and print what happened — for reproducing and minimizing a crash;
/// - `SCIENCEFS_FUZZ_SKIP`: comma-separated `family/target` names left out (a target with a known, reported crash,
///   so the rest of its family can still be fuzzed).
struct FuzzSettings {
    var inputs: Int
    var seed: UInt64
    var slowInputLimit: TimeInterval
    var reportDirectory: URL?
    var replay: URL?
    var replayTarget: String?
    var skipped: Set<String> = []

    static let defaultInputs = 10_000

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> FuzzSettings {
        let inputs = environment["SCIENCEFS_FUZZ_INPUTS"].flatMap { Int($0) }.map { max(1, $0) } ?? defaultInputs
        let seed = environment["SCIENCEFS_FUZZ_SEED"].flatMap(parseSeed) ?? UInt64.random(in: 0...UInt64.max)
        let slow = environment["SCIENCEFS_FUZZ_SLOW_MS"].flatMap { Double($0) }.map { $0 / 1000 } ?? 10
        let reports = environment["SCIENCEFS_REPORTS"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
        let replay = environment["SCIENCEFS_FUZZ_REPLAY"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        let skipped = Set((environment["SCIENCEFS_FUZZ_SKIP"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        })
        return FuzzSettings(inputs: inputs, seed: seed, slowInputLimit: slow, reportDirectory: reports, replay: replay,
                            replayTarget: environment["SCIENCEFS_FUZZ_TARGET"], skipped: skipped)
    }

    static func parseSeed(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("0x") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }

    var seedText: String { "0x" + String(seed, radix: 16) }
}
