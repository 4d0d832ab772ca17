import AgaveEmulator
import Foundation
import TestSupport

/// The size of a load run, from the environment so CI stays short and the reliability script can run it long.
struct LoadSettings {
    /// Concurrent workers (`SCIENCEFS_LOAD_PROCESSES`, default 16). Each runs its operations as real processes.
    var processes: Int
    /// How long workers keep starting operations (`SCIENCEFS_LOAD_SECONDS`, default 20; the full run is 600).
    var seconds: Double
    /// How long one tool may run before it counts as stuck (`SCIENCEFS_LOAD_OP_TIMEOUT`, default 90 s).
    var operationTimeout: Double
    /// Seeds every worker's choices (`SCIENCEFS_LOAD_SEED`, default: the clock), printed so a run can be repeated.
    var seed: UInt64

    static func fromEnvironment() -> LoadSettings {
        let environment = ProcessInfo.processInfo.environment
        return LoadSettings(
            processes: environment["SCIENCEFS_LOAD_PROCESSES"].flatMap(Int.init).map { max(1, $0) } ?? 16,
            seconds: environment["SCIENCEFS_LOAD_SECONDS"].flatMap(Double.init).map { max(1, $0) } ?? 20,
            operationTimeout: environment["SCIENCEFS_LOAD_OP_TIMEOUT"].flatMap(Double.init).map { max(5, $0) } ?? 90,
            seed: environment["SCIENCEFS_LOAD_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000))
    }
}

/// The files and directories seeded on the server before the mount. Nothing under `load/` except the workers' own
/// directories (`load/w<N>`) changes during a run, so the emulator's copy of each file is the truth to compare with.
struct LoadCorpus {
    struct File {
        let relative: String
        let size: Int
    }

    /// Files of awkward sizes (page and FUSE-request boundaries, odd tails, several MiB).
    static let dataSizes = [0, 1, 4095, 4096, 4097, 65_537, 131_072, (1 << 20) + 3, (3 << 20) + 5, 8 << 20, 32 << 20]
    /// A directory of this many small files (`load/wide`), listed with `ls -l` while others write.
    static let wideEntries = 2_000

    let dataFiles: [File]
    let wideFiles: [File]

    /// Writes the corpus into the emulator's state directory.
    static func seed(into fixture: MountFixture, workers: Int) throws -> LoadCorpus {
        var data: [File] = []
        for (index, size) in dataSizes.enumerated() {
            let file = File(relative: "load/data/d\(index)-\(size).bin", size: size)
            try DeterministicData.writeFile(at: fixture.serverFile(file.relative), size: size, seed: UInt64(1_000 + index))
            data.append(file)
        }
        let wide = fixture.serverFile("load/wide")
        try FileManager.default.createDirectory(at: wide, withIntermediateDirectories: true)
        var wideFiles: [File] = []
        for index in 0..<wideEntries {
            let name = String(format: "e%05d.txt", index)
            let contents = Data("wide entry \(index)\n".utf8)
            guard FileManager.default.createFile(atPath: wide.appendingPathComponent(name).path, contents: contents) else {
                throw FixtureError("cannot seed load/wide/\(name)")
            }
            wideFiles.append(File(relative: "load/wide/\(name)", size: contents.count))
        }
        for worker in 0..<workers {
            try FileManager.default.createDirectory(at: fixture.serverFile("load/w\(worker)"), withIntermediateDirectories: true)
        }
        return LoadCorpus(dataFiles: data, wideFiles: wideFiles)
    }
}

/// The operations a worker mixes. Each is one or more real processes against the mount, checked against a source.
enum LoadOperation: String, CaseIterable {
    /// `ls -l` of a seeded directory (entry count checked) or the worker's own directory (names checked).
    case list
    /// `stat -c %s` of a file whose size is known.
    case stat
    /// `cmp` of a whole file read through the mount against its source.
    case readWhole = "read-whole"
    /// `dd` of a byte range (skip_bytes, count_bytes) compared with the same range of the source.
    case readRange = "read-range"
    /// `cp` of a local file into the mount, then `stat`, `cmp` through the mount, and the server's copy compared.
    case write
    /// `cmp` of one of the worker's files (so its old bytes are cached), then `cp` of new bytes over it; then the
    /// same checks as `write`: no stale byte may be read back.
    case overwrite
    /// `cp` between two paths of one Agave system (a server-side copy), then the same checks as `write`.
    case copy
    /// `rm` of one of the worker's files, then the server's copy must be gone and `stat` must say ENOENT.
    case remove
}

/// Counts and failures of one run, shared by all workers.
final class LoadTally: @unchecked Sendable {
    struct Failure: CustomStringConvertible {
        enum Kind: String { case error, mismatch, stuck }
        let kind: Kind
        let worker: Int
        let operation: LoadOperation
        let detail: String
        var description: String { "\(kind.rawValue) [worker \(worker), \(operation.rawValue)] \(detail)" }
    }

    private let lock = NSLock()
    private var counts: [LoadOperation: Int] = [:]
    private var processCount = 0
    private var verifiedBytes = 0
    private var recorded: [Failure] = []

    func succeeded(_ operation: LoadOperation, verifiedBytes bytes: Int = 0) {
        lock.withLock {
            counts[operation, default: 0] += 1
            verifiedBytes += bytes
        }
    }

    func spawned() { lock.withLock { processCount += 1 } }

    func fail(_ kind: Failure.Kind, worker: Int, _ operation: LoadOperation, _ detail: String) {
        lock.withLock { recorded.append(Failure(kind: kind, worker: worker, operation: operation, detail: detail)) }
    }

    var operations: [LoadOperation: Int] { lock.withLock { counts } }
    var processes: Int { lock.withLock { processCount } }
    var bytesVerified: Int { lock.withLock { verifiedBytes } }
    var failures: [Failure] { lock.withLock { recorded } }
}

/// One of the N concurrent workers. It runs on its own thread and starts a real process (`ls`, `stat`, `cmp`, `dd`,
/// `cp`, `rm`) for every step, each with a timeout: a step that outlives it is reported as stuck, naming the step.
/// Its own files live in `load/w<id>` on the server, with their expected bytes in a local reference file.
/// `@unchecked Sendable`: each worker is handed to one thread, which alone uses it; results go to the shared
/// `LoadTally`, which locks itself.
final class LoadWorker: @unchecked Sendable {
    /// A file this worker made in the mount and the local file holding the bytes it must contain.
    private struct Owned {
        let name: String
        let reference: URL
        let size: Int
    }

    /// Sizes of written files: empty, tiny, around page and FUSE request sizes, several MiB with odd tails.
    private static let writeSizes = [0, 1, 100, 4096, 65_537, 131_073, (1 << 20) + 7, (5 << 19) + 11]
    /// A worker keeps at most this many files; beyond it the oldest is removed first (bounds disk use).
    private static let ownedLimit = 3

    private let id: Int
    private let fixture: MountFixture
    private let corpus: LoadCorpus
    private let tally: LoadTally
    private let timeout: TimeInterval
    private let scratch: URL
    private var random: SplitMix64
    private var owned: [Owned] = []
    private var nextName = 0

    init(id: Int, fixture: MountFixture, corpus: LoadCorpus, tally: LoadTally, settings: LoadSettings) throws {
        self.id = id
        self.fixture = fixture
        self.corpus = corpus
        self.tally = tally
        timeout = settings.operationTimeout
        random = SplitMix64(seed: settings.seed &+ UInt64(id) &* 0x1000_0001)
        scratch = fixture.root.appendingPathComponent("load-scratch/w\(id)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    private var directory: String { "load/w\(id)" }

    /// Runs operations until `deadline`; the one in flight when it passes is finished.
    func run(until deadline: Date) {
        while Date() < deadline {
            switch pickOperation() {
            case .list: list()
            case .stat: stat()
            case .readWhole: readWhole()
            case .readRange: readRange()
            case .write: write()
            case .overwrite: overwrite()
            case .copy: copy()
            case .remove: removeOldest()
            }
        }
    }

    private func pickOperation() -> LoadOperation {
        let weights: [(LoadOperation, Int)] = [(.list, 14), (.stat, 20), (.readWhole, 16), (.readRange, 22), (.write, 12),
                                               (.overwrite, owned.isEmpty ? 0 : 6), (.copy, 8), (.remove, owned.isEmpty ? 0 : 8)]
        var roll = Int.random(in: 0..<weights.reduce(0) { $0 + $1.1 }, using: &random)
        for (operation, weight) in weights {
            if roll < weight { return operation }
            roll -= weight
        }
        return .stat
    }

    // MARK: Operations

    private func list() {
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            guard let out = tool(.list, "ls", ["-l", fixture.path("load/wide")]) else { return }
            let files = out.output.split(separator: "\n").filter { $0.hasPrefix("-") }.count
            check(files == LoadCorpus.wideEntries, .list, "ls -l load/wide shows \(files) files, not \(LoadCorpus.wideEntries)")
        case 1:
            guard let out = tool(.list, "ls", ["-l", fixture.path("load/data")]) else { return }
            let files = out.output.split(separator: "\n").filter { $0.hasPrefix("-") }.count
            check(files == corpus.dataFiles.count, .list, "ls -l load/data shows \(files) files, not \(corpus.dataFiles.count)")
        case 2:
            guard let out = tool(.list, "ls", ["-la", fixture.path("load")]) else { return }
            check(out.output.contains(" wide\n") && out.output.contains(" w\(id)\n"), .list, "ls -la load lacks entries:\n\(out.output.prefix(400))")
        default:
            // Only this worker changes its directory, so the listing must be exactly what it made and kept.
            guard let out = tool(.list, "ls", ["-1", fixture.path(directory)]) else { return }
            let names = Set(out.output.split(separator: "\n").map(String.init))
            let expected = Set(owned.map(\.name))
            check(names == expected, .list, "ls \(directory) shows \(names.sorted()), expected \(expected.sorted())")
        }
    }

    private func stat() {
        let (path, size, label) = pickReadable(includeEmpty: true)
        guard let out = tool(.stat, "stat", ["-c", "%s", path]) else { return }
        check(out.output == "\(size)\n", .stat, "stat \(label): size \(out.output.trimmingCharacters(in: .whitespacesAndNewlines)), expected \(size)")
    }

    private func readWhole() {
        let (path, size, label) = pickReadable(includeEmpty: true)
        let reference = referenceURL(for: label)
        guard let out = tool(.readWhole, "cmp", [path, reference.path], allowedStatus: [0, 1]) else { return }
        if out.status == 1 {
            tally.fail(.mismatch, worker: id, .readWhole, "cmp \(label) (size \(size)): \(out.output.prefix(300))")
        } else {
            tally.succeeded(.readWhole, verifiedBytes: size)
        }
    }

    private func readRange() {
        let (path, size, label) = pickReadable(includeEmpty: false)
        let offset = Int.random(in: 0..<size, using: &random)
        let length = Int.random(in: 1...min(size - offset, 4 << 20), using: &random)
        let output = scratch.appendingPathComponent("range.bin")
        defer { try? FileManager.default.removeItem(at: output) }
        let blockSize = [4096, 65_536, 131_072, 1 << 20].randomElement(using: &random) ?? 65_536
        guard tool(.readRange, "dd", ["if=\(path)", "of=\(output.path)", "iflag=skip_bytes,count_bytes", "skip=\(offset)",
                                       "count=\(length)", "bs=\(blockSize)", "status=none"]) != nil else { return }
        let got = (try? Data(contentsOf: output)) ?? Data()
        let expected = Self.bytes(of: referenceURL(for: label), offset: offset, length: length)
        if got == expected {
            tally.succeeded(.readRange, verifiedBytes: length)
        } else {
            let firstDifference = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            tally.fail(.mismatch, worker: id, .readRange,
                       "dd \(label) skip=\(offset) count=\(length) bs=\(blockSize): got \(got.count) bytes, expected \(expected.count)"
                           + (firstDifference.map { ", first difference at +\($0)" } ?? ""))
        }
    }

    private func write() {
        makeRoom()
        let size = Self.writeSizes.randomElement(using: &random) ?? 1
        let name = "f\(nextName).bin"
        nextName += 1
        let reference = scratch.appendingPathComponent(name)
        do {
            try DeterministicData.writeFile(at: reference, size: size, seed: UInt64(id) << 32 | UInt64(nextName))
        } catch {
            tally.fail(.error, worker: id, .write, "cannot make local file \(name): \(error)")
            return
        }
        guard tool(.write, "cp", [reference.path, fixture.path("\(directory)/\(name)")]) != nil else {
            // A failed cp may still have left a file; keep it known so the directory listing check stays exact.
            adoptIfPresent(name: name, reference: reference, size: size)
            return
        }
        owned.append(Owned(name: name, reference: reference, size: size))
        verifyNewFile(name: name, reference: reference, size: size, operation: .write, how: "cp local \(name) (\(size) bytes)")
    }

    private func overwrite() {
        guard let index = owned.indices.randomElement(using: &random) else { return write() }
        let old = owned[index]
        let path = fixture.path("\(directory)/\(old.name)")
        guard let before = tool(.overwrite, "cmp", [old.reference.path, path], allowedStatus: [0, 1]) else { return }
        if before.status == 1 {
            tally.fail(.mismatch, worker: id, .overwrite, "cmp \(directory)/\(old.name) before overwriting: \(before.output.prefix(300))")
            return
        }
        let size = Self.writeSizes.randomElement(using: &random) ?? 1
        let reference = scratch.appendingPathComponent("\(old.name).v\(nextName)")
        nextName += 1
        do {
            try DeterministicData.writeFile(at: reference, size: size, seed: UInt64(id) << 32 | UInt64(nextName) | 1 << 31)
        } catch {
            tally.fail(.error, worker: id, .overwrite, "cannot make local file for \(old.name): \(error)")
            return
        }
        guard tool(.overwrite, "cp", [reference.path, path]) != nil else {
            // Its bytes are unknown now: drop the file rather than check it against either version.
            owned.remove(at: index)
            _ = tool(.overwrite, "rm", ["-f", path])
            try? FileManager.default.removeItem(at: reference)
            try? FileManager.default.removeItem(at: old.reference)
            return
        }
        owned[index] = Owned(name: old.name, reference: reference, size: size)
        try? FileManager.default.removeItem(at: old.reference)
        verifyNewFile(name: old.name, reference: reference, size: size, operation: .overwrite,
                      how: "cp local over \(old.name) (\(old.size) → \(size) bytes)")
    }

    private func copy() {
        makeRoom()
        let sourceIsOwn = !owned.isEmpty && Bool.random(using: &random)
        let source: (relative: String, reference: URL, size: Int)
        if sourceIsOwn, let file = owned.randomElement(using: &random) {
            source = ("\(directory)/\(file.name)", file.reference, file.size)
        } else {
            let file = corpus.dataFiles.randomElement(using: &random)!
            source = (file.relative, fixture.serverFile(file.relative), file.size)
        }
        let name = "c\(nextName).bin"
        nextName += 1
        // The copy's expected bytes are its source's; a local reference of its own lets the two be removed apart.
        let reference = scratch.appendingPathComponent(name)
        do {
            try FileManager.default.copyItem(at: source.reference, to: reference)
        } catch {
            tally.fail(.error, worker: id, .copy, "cannot make local reference for \(name): \(error)")
            return
        }
        guard tool(.copy, "cp", [fixture.path(source.relative), fixture.path("\(directory)/\(name)")]) != nil else {
            adoptIfPresent(name: name, reference: reference, size: source.size)
            return
        }
        owned.append(Owned(name: name, reference: reference, size: source.size))
        verifyNewFile(name: name, reference: reference, size: source.size, operation: .copy,
                      how: "cp \(source.relative) \(directory)/\(name) (\(source.size) bytes)")
    }

    private func removeOldest() {
        guard !owned.isEmpty else { return }
        let file = owned.removeFirst()
        let path = fixture.path("\(directory)/\(file.name)")
        guard tool(.remove, "rm", [path]) != nil else {
            // Still there for all we know: keep it, so the listing check stays exact.
            if FileManager.default.fileExists(atPath: fixture.serverFile("\(directory)/\(file.name)").path) {
                owned.insert(file, at: 0)
            } else {
                try? FileManager.default.removeItem(at: file.reference)
            }
            return
        }
        try? FileManager.default.removeItem(at: file.reference)
        var ok = check(!FileManager.default.fileExists(atPath: fixture.serverFile("\(directory)/\(file.name)").path), .remove,
                       "rm \(directory)/\(file.name) returned 0 but the server still has the file", count: false)
        if let out = tool(.remove, "stat", [path], allowedStatus: [1]) {
            ok = check(out.output.contains("No such file"), .remove,
                       "stat after rm \(directory)/\(file.name): \(out.output.prefix(200))", count: false) && ok
        } else {
            ok = false
        }
        if ok { tally.succeeded(.remove) }
    }

    // MARK: Helpers

    /// After a `cp` into the mount returned 0: the size is right at once, the bytes read back through the mount
    /// equal the source, and the server holds the same bytes (the upload finished at close).
    private func verifyNewFile(name: String, reference: URL, size: Int, operation: LoadOperation, how: String) {
        let path = fixture.path("\(directory)/\(name)")
        guard let stat = tool(operation, "stat", ["-c", "%s", path]) else { return }
        guard check(stat.output == "\(size)\n", operation, "\(how): stat says \(stat.output.trimmingCharacters(in: .whitespacesAndNewlines))",
                    count: false) else { return }
        guard let cmp = tool(operation, "cmp", [reference.path, path], allowedStatus: [0, 1]) else { return }
        if cmp.status == 1 {
            tally.fail(.mismatch, worker: id, operation, "\(how): read back through the mount differs: \(cmp.output.prefix(300))")
            return
        }
        let server = fixture.serverFile("\(directory)/\(name)")
        guard FileManager.default.contentsEqual(atPath: server.path, andPath: reference.path) else {
            let serverSize = (try? FileManager.default.attributesOfItem(atPath: server.path)[.size] as? Int) ?? nil
            tally.fail(.mismatch, worker: id, operation,
                       "\(how): the server's copy differs after close (server size \(serverSize.map(String.init) ?? "missing"))")
            return
        }
        tally.succeeded(operation, verifiedBytes: 2 * size)
    }

    /// Keeps at most `ownedLimit` files, so disk use stays flat however long the run.
    private func makeRoom() {
        // One attempt per surplus file: a failed rm keeps its file, and must not make this loop forever.
        for _ in 0..<max(0, owned.count - Self.ownedLimit + 1) { removeOldest() }
    }

    private func adoptIfPresent(name: String, reference: URL, size: Int) {
        if FileManager.default.fileExists(atPath: fixture.serverFile("\(directory)/\(name)").path) {
            owned.append(Owned(name: name, reference: reference, size: size))
        } else {
            try? FileManager.default.removeItem(at: reference)
        }
    }

    /// A readable file: a seeded data file, an entry of the wide directory, or one of this worker's own.
    /// `label` is the path relative to the system, from which `referenceURL` finds the expected bytes.
    private func pickReadable(includeEmpty: Bool) -> (path: String, size: Int, label: String) {
        let candidates = owned.filter { includeEmpty || $0.size > 0 }
        switch Int.random(in: 0..<5, using: &random) {
        case 0 where !candidates.isEmpty:
            let file = candidates.randomElement(using: &random)!
            return (fixture.path("\(directory)/\(file.name)"), file.size, "\(directory)/\(file.name)")
        case 1:
            let file = corpus.wideFiles.randomElement(using: &random)!
            return (fixture.path(file.relative), file.size, file.relative)
        default:
            let file = corpus.dataFiles.filter { includeEmpty || $0.size > 0 }.randomElement(using: &random)!
            return (fixture.path(file.relative), file.size, file.relative)
        }
    }

    /// The file holding the bytes `label` must read as: the local reference for the worker's own files, otherwise
    /// the emulator's copy (seeded files never change during a run).
    private func referenceURL(for label: String) -> URL {
        if label.hasPrefix(directory + "/"), let file = owned.first(where: { "\(directory)/\($0.name)" == label }) {
            return file.reference
        }
        return fixture.serverFile(label)
    }

    private static func bytes(of url: URL, offset: Int, length: Int) -> Data {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return Data() }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        return (try? handle.read(upToCount: length)) ?? Data()
    }

    /// Records a failed check as an error; with `count`, a passed one as a finished operation.
    @discardableResult
    private func check(_ condition: Bool, _ operation: LoadOperation, _ detail: @autoclosure () -> String, count: Bool = true) -> Bool {
        if condition {
            if count { tally.succeeded(operation) }
        } else {
            tally.fail(.error, worker: id, operation, detail())
        }
        return condition
    }

    /// Runs `name` with a timeout. Returns its output when it exited with an allowed status; otherwise records an
    /// error (or, when the timeout ran out, a stuck operation) naming the command, and returns nil.
    private func tool(_ operation: LoadOperation, _ name: String, _ arguments: [String], allowedStatus: Set<Int32> = [0]) -> ProcessOutput? {
        let command = ([name] + arguments).joined(separator: " ")
        tally.spawned()
        let started = Date()
        let out: ProcessOutput
        do {
            out = try TestProcess.run(LoadTools.path(name), arguments, timeout: timeout)
        } catch {
            tally.fail(.error, worker: id, operation, "\(command): \(error)")
            return nil
        }
        if out.timedOut {
            tally.fail(.stuck, worker: id, operation,
                       "\(command) did not finish within \(Int(timeout)) s (killed after \(Int(Date().timeIntervalSince(started))) s)")
            return nil
        }
        guard allowedStatus.contains(out.status) else {
            tally.fail(.error, worker: id, operation, "\(command) exited \(out.status): \(out.output.prefix(300))")
            return nil
        }
        return out
    }
}

/// Absolute paths of the tools workers run (posix_spawn does not search `$PATH`).
enum LoadTools {
    private static let resolved: [String: String] = {
        var paths: [String: String] = [:]
        for name in ["ls", "stat", "cmp", "dd", "cp", "rm"] { paths[name] = TestProcess.which(name) ?? "/usr/bin/\(name)" }
        return paths
    }()

    static func path(_ name: String) -> String { resolved[name] ?? "/usr/bin/\(name)" }
}
