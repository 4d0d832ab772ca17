import EmulatorSupport
import Foundation

/// The faults of issue #8's table and how one cell of "fault × operation" is judged. Pure bookkeeping: the
/// tests in `FaultMatrixTests` install the faults on an emulator, run the operation through a real mount and
/// hand the observations here.
enum FaultMatrix {
    /// Per-source client settings every matrix mount uses: a request that hears nothing for `timeout` seconds
    /// is abandoned and tried `retries` more times, so a hung server costs at most `hangBound` per HTTP call.
    static let timeout = 2
    static let retries = 2
    static let sourceSettings = "timeout = \(timeout)\nretries = \(retries)"

    /// The longest a FUSE request may take against a server that never answers: every attempt waits `timeout`,
    /// the back-offs between attempts are below a second each here, and one operation may make a few calls
    /// (a lookup, then the listing or the data) before the first failure ends it.
    static var hangBound: TimeInterval { Double((retries + 1) * (timeout + 1) * 3) + 5 }

    enum Kind: String, CaseIterable {
        case latency = "latency 1 s on every reply"
        case serverErrors = "503 burst (2 replies)"
        case resetMidBody = "connection reset mid-body (once)"
        case truncatedBody = "truncated body, correct-looking status (once)"
        case wrongContentLength = "Content-Length 100 bytes too large (once)"
        case neverAnswers = "accepts, never answers"
        case expiredToken = "expired token (once)"
    }

    struct Fault {
        let kind: Kind
        /// The injected action and how many times it fires (nil: until removed).
        let action: FaultInjector.Action
        let count: Int?
        /// Words of which at least one must appear in the daemon's log once the client has seen this fault.
        let causeWords: [String]
    }

    /// The faults for an operation whose reply body is `bodyBytes` long (mid-body cuts land inside it).
    static func faults(bodyBytes: Int) -> [Fault] {
        let middle = max(1, bodyBytes / 2)
        return [
            Fault(kind: .latency, action: .delay(milliseconds: 1000), count: nil, causeWords: []),
            Fault(kind: .serverErrors, action: .status(503), count: 2, causeWords: ["503"]),
            Fault(kind: .resetMidBody, action: .dropAfterBytes(middle), count: 1,
                  causeWords: ["transfer closed", "Recv failure", "reset", "partial", "connection"]),
            Fault(kind: .truncatedBody, action: .truncatedBody(keepBytes: middle), count: 1,
                  causeWords: ["short", "truncated", "malformed", "JSON", "decod", "Content-Range", "bytes"]),
            Fault(kind: .wrongContentLength, action: .wrongContentLength(extraBytes: 100), count: 1,
                  causeWords: ["transfer closed", "partial", "connection", "bytes remaining"]),
            Fault(kind: .neverAnswers, action: .hang, count: nil, causeWords: ["timed out", "Timeout", "ETIMEDOUT"]),
            Fault(kind: .expiredToken, action: .expiredToken, count: 1,
                  causeWords: ["401", "419", "token", "delegat", "expired"]),
        ]
    }

    /// One cell's observations.
    struct Cell {
        var operation: String
        var fault: Kind
        /// "ok" (bytes/listing verified) or the errno name the tool reported, or "n/a: why".
        var outcome: String
        var expected: String
        var seconds: Double
        var mountUp: Bool
        /// The log line that names the cause, if the fault was visible to the client.
        var logLine: String?

        var markdownRow: String {
            let log = logLine.map { "`" + Self.clip($0).replacingOccurrences(of: "|", with: "\\|") + "`" } ?? "—"
            return "| \(operation) | \(fault.rawValue) | \(expected) | \(outcome) | \(String(format: "%.1f", seconds)) | "
                + "\(mountUp ? "yes" : "**no**") | \(log) |"
        }

        private static func clip(_ line: String) -> String {
            line.count > 140 ? String(line.prefix(137)) + "..." : line
        }
    }

    /// The errno a command-line tool reported, by its strerror text in the tool's stderr.
    static func errnoName(in stderr: String) -> String? {
        let names: [(Int32, String)] = [(EIO, "EIO"), (ETIMEDOUT, "ETIMEDOUT"), (EACCES, "EACCES"), (ENOENT, "ENOENT"),
                                         (EAGAIN, "EAGAIN"), (EOPNOTSUPP, "EOPNOTSUPP"), (ENOSPC, "ENOSPC"),
                                         (EDQUOT, "EDQUOT"), (EINVAL, "EINVAL"), (EPERM, "EPERM"), (EEXIST, "EEXIST"),
                                         (EROFS, "EROFS"), (ENOTCONN, "ENOTCONN"), (ECONNABORTED, "ECONNABORTED")]
        for (code, name) in names where stderr.contains(String(cString: strerror(code))) { return name }
        return nil
    }

    /// The first line of `log` containing one of `words` (case-insensitive).
    static func causeLine(in log: Substring, words: [String]) -> String? {
        guard !words.isEmpty else { return nil }
        return log.split(separator: "\n").first { line in
            words.contains { line.range(of: $0, options: .caseInsensitive) != nil }
        }.map(String.init)
    }

    // MARK: The report

    /// Writes (or rewrites) this operation's rows in `fault-table.md` under `$SCIENCEFS_REPORTS`, leaving the
    /// other operations' sections alone (each test method fills its own).
    static func report(operation: String, cells: [Cell]) throws {
        guard let directory = ProcessInfo.processInfo.environment["SCIENCEFS_REPORTS"], !directory.isEmpty else { return }
        let url = URL(fileURLWithPath: directory).appendingPathComponent("fault-table.md")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var text = (try? String(contentsOf: url, encoding: .utf8)) ?? header
        let begin = "<!-- \(operation) -->", end = "<!-- /\(operation) -->"
        let section = ([begin, "### \(operation)", "", tableHeader] + cells.map(\.markdownRow) + [end]).joined(separator: "\n")
        if let start = text.range(of: begin), let stop = text.range(of: end), start.lowerBound < stop.upperBound {
            text.replaceSubrange(start.lowerBound..<stop.upperBound, with: section)
        } else {
            text += "\n" + section + "\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    private static var header: String {
        """
        # Fault × operation × outcome

        Generated by `FaultMatrixTests` (Tests/MountTests) through a real mount against the emulators on 127.0.0.1,
        with `timeout = \(timeout)` and `retries = \(retries)` in every source. "ok" means the tool succeeded and the
        bytes or names it saw were checked against the server's own copy. A hung server must end every FUSE request
        within \(Int(hangBound)) s here. Regenerate: `Tests/Reliability/run` (or `SCIENCEFS_REPORTS=Tests/Reliability/reports
        swift test --skip-build --filter FaultMatrixTests`).
        """
    }

    private static let tableHeader = """
        | operation | fault | documented | outcome | seconds | mount up | log line naming the cause |
        |---|---|---|---|---|---|---|
        """
}
