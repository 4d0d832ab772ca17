import Foundation
import XCTest

/// Runs one parser family: `settings.inputs` mutated inputs, each fed to the target its seed belongs to.
/// Counts accepted and rejected inputs per target, times them, keeps the slowest input, and turns every broken
/// invariant and near-hang into a test failure that names the input (saved under the temporary directory) and the
/// seed that reproduces the run. A crash ends the process; `FuzzCrashRecorder` saves that input first.
struct FuzzCampaign {
    let family: String
    let targets: [FuzzTarget]
    let corpus: [FuzzSeed]
    let dictionary: [[UInt8]]
    var settings = FuzzSettings.fromEnvironment()

    struct TargetResult {
        var name: String
        var inputs = 0
        var accepted = 0
        var rejected = 0
        var seconds = 0.0
        var slowestSeconds = 0.0
    }

    struct Failure {
        var target: String
        var why: String
        var input: [UInt8]
    }

    @discardableResult
    func run(file: StaticString = #filePath, line: UInt = #line) -> [TargetResult] {
        for seed in corpus where !targets.contains(where: { $0.name == seed.target }) {
            XCTFail("corpus seed for unknown target \(seed.target)", file: file, line: line)
            return []
        }
        if let replay = settings.replay {
            self.replay(replay, file: file, line: line)
            return []
        }
        let targets = self.targets.filter { !settings.skipped.contains("\(family)/\($0.name)") }
        let corpus = self.corpus.filter { seed in targets.contains { $0.name == seed.target } }
        if targets.count < self.targets.count {
            print("fuzz: \(family): skipping \(self.targets.count - targets.count) target(s) (SCIENCEFS_FUZZ_SKIP)")
        }
        guard !corpus.isEmpty else { return [] }
        let byName = Dictionary(uniqueKeysWithValues: targets.enumerated().map { ($0.element.name, (index: $0.offset, target: $0.element)) })
        let familySeed = FuzzRandom.derive(settings.seed, family)
        print("fuzz: \(family): \(settings.inputs) inputs, seed \(settings.seedText) (SCIENCEFS_FUZZ_SEED reproduces this run)")
        var rng = FuzzRandom(seed: familySeed)
        let mutator = FuzzMutator(corpus: corpus, dictionary: dictionary)
        var results = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, TargetResult(name: $0.name)) })
        var failures: [Failure] = []
        var failureCount = 0
        var slowest: Failure?
        var slowestSeconds = 0.0

        FuzzCrashRecorder.begin(family: family, targets: targets.map(\.name), seedText: settings.seedText,
                                hangLimit: max(60, settings.slowInputLimit * 3))
        defer { FuzzCrashRecorder.end() }
        let clock = ContinuousClock()
        for _ in 0..<settings.inputs {
            let seed = rng.pick(corpus)
            let input = mutator.input(from: seed, &rng)
            guard let (index, target) = byName[seed.target] else { continue }
            var outcome: Result<Void, Error> = .success(())
            let elapsed = clock.measure {
                input.withUnsafeBytes { raw in
                    FuzzCrashRecorder.whileParsing(raw, target: index) {
                        outcome = Result { try target.parse(Data(raw)) }
                    }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var result = results[seed.target]!
            result.inputs += 1
            result.seconds += seconds
            result.slowestSeconds = max(result.slowestSeconds, seconds)
            switch outcome {
            case .success: result.accepted += 1
            case .failure(let error as FuzzInvariantViolation):
                result.accepted += 1
                failureCount += 1
                if failures.count < 5 { failures.append(Failure(target: seed.target, why: error.description, input: input)) }
            case .failure: result.rejected += 1
            }
            results[seed.target] = result
            if seconds > slowestSeconds {
                slowestSeconds = seconds
                slowest = Failure(target: seed.target, why: "slowest input: \(String(format: "%.3f", seconds)) s", input: input)
            }
        }

        for failure in failures {
            let saved = save(failure)
            XCTFail("fuzz \(family)/\(failure.target): \(failure.why) — input \(preview(failure.input)) saved in \(saved) "
                    + "(seed \(settings.seedText))", file: file, line: line)
        }
        if failureCount > failures.count {
            XCTFail("fuzz \(family): \(failureCount - failures.count) more broken invariants", file: file, line: line)
        }
        if let slowest, slowestSeconds > settings.slowInputLimit {
            XCTFail("fuzz \(family)/\(slowest.target): one input took \(slowestSeconds) s (limit \(settings.slowInputLimit) s, "
                    + "SCIENCEFS_FUZZ_SLOW_MS) — input saved in \(save(slowest))", file: file, line: line)
        }
        let ordered = targets.compactMap { results[$0.name] }
        for result in ordered {
            print("fuzz: \(family)/\(result.name): \(result.inputs) inputs, \(result.accepted) accepted, \(result.rejected) rejected, "
                  + "\(String(format: "%.1f", result.seconds)) s, slowest \(String(format: "%.1f", result.slowestSeconds * 1000)) ms")
        }
        if let directory = settings.reportDirectory {
            let skipped = self.targets.map(\.name).filter { name in !targets.contains { $0.name == name } }
            FuzzReport.write(family: family, results: ordered, skipped: skipped, violations: failureCount,
                             seedText: settings.seedText, into: directory)
        }
        return ordered
    }

    /// Feeds one saved input to `SCIENCEFS_FUZZ_TARGET` of this family (other families do nothing).
    private func replay(_ url: URL, file: StaticString, line: UInt) {
        guard let name = settings.replayTarget, let target = targets.first(where: { $0.name == name }) else {
            print("fuzz: \(family): replay of \(url.path) is not for this family (SCIENCEFS_FUZZ_TARGET=\(settings.replayTarget ?? ""))")
            return
        }
        guard let input = try? Data(contentsOf: url) else {
            XCTFail("fuzz: cannot read \(url.path)", file: file, line: line)
            return
        }
        print("fuzz: \(family)/\(name): replaying \(input.count) bytes: \(preview(Array(input)))")
        do {
            try target.parse(input)
            print("fuzz: \(family)/\(name): accepted")
        } catch let violation as FuzzInvariantViolation {
            XCTFail("fuzz \(family)/\(name): \(violation)", file: file, line: line)
        } catch {
            print("fuzz: \(family)/\(name): rejected: \(error)")
        }
    }

    private func save(_ failure: Failure) -> String {
        let url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("sciencefs-fuzz-\(family)-\(failure.target)-\(failure.input.count)b.bin")
        try? Data(failure.input).write(to: url)
        return url.path
    }

    private func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(160), as: UTF8.self).debugDescription
        return bytes.count > 160 ? "\(text)… (\(bytes.count) bytes)" : text
    }
}
