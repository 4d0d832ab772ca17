import Foundation
import XCTest

/// A Python virtual environment holding a real client from PyPI, for the tests that hold an emulator (or our own
/// code) to that client. Kept in the temporary directory under a name that carries the pinned versions, so it is
/// reused between local runs and a version bump gets a fresh one.
public struct PythonVenv: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `<temporary directory>/sciencefs-<name>-<version>-venv`.
    public init(name: String, version: String) {
        self.init(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sciencefs-\(name)-\(version)-venv"))
    }

    /// The venv's interpreter.
    public var python: String { directory.appendingPathComponent("bin/python").path }

    /// Whether the interpreter is there and `python -c importCheck` succeeds.
    public func passes(_ importCheck: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        return (try? TestProcess.run(python, ["-c", importCheck]))?.status == 0
    }

    /// Replaces whatever is in `directory` with a new venv made by `basePython`, then runs one
    /// `pip install --quiet` for each element of `installs` (in order, all of them even when one fails, so a
    /// later group can lift a pin an earlier one set). Returns pip's results in that order. Skips the test when
    /// `python3 -m venv` does not work.
    @discardableResult
    public func recreate(basePython: String, installs: [[String]]) throws -> [ProcessOutput] {
        try? FileManager.default.removeItem(at: directory)
        let created = try TestProcess.run(basePython, ["-m", "venv", directory.path])
        guard created.status == 0 else { throw XCTSkip("python3 -m venv is unavailable: \(created.output)") }
        return try installs.map { try TestProcess.run(python, ["-m", "pip", "install", "--quiet"] + $0) }
    }

    /// The interpreter of the venv `sciencefs-<name>-<version>-venv`: reused when it passes `importCheck`,
    /// otherwise made again with `installs` (see `recreate`), each of which must succeed (a test failure, with
    /// `installHint` and pip's output, when one does not). Skips the test when python3 is not on PATH.
    public static func prepared(name: String, version: String, importCheck: String, installs: [[String]],
                                installHint: String = "", file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let basePython = TestProcess.which("python3") else { throw XCTSkip("python3 is not installed") }
        let venv = PythonVenv(name: name, version: version)
        if venv.passes(importCheck) { return venv.python }
        let results = try venv.recreate(basePython: basePython, installs: installs)
        for (requirements, result) in zip(installs, results) {
            XCTAssertEqual(result.status, 0, "pip install \(requirements.joined(separator: " ")) failed\(installHint):\n\(result.output)",
                           file: file, line: line)
        }
        return venv.python
    }
}
