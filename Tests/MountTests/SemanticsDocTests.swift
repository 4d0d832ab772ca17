import Foundation
import RucioEmulator
import XCTest

/// docs/SEMANTICS.md's table of refusals, checked on a real mount: every row's operation is run with Python's `os`
/// calls and must fail with exactly the errno the row gives. A row this test has no check for fails the test, so
/// the page and the code cannot drift apart.
final class SemanticsDocTests: XCTestCase {
    private var fixture: MountFixture!
    private let scope = "user.alice"

    override func setUpWithError() throws {
        fixture = try MountFixture(withRucio: true)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 4000 chars) ---\n\(fixture.log.suffix(4000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    struct Row: Equatable {
        var operation: String
        var source: String
        var errno: String
    }

    /// The rows of the table headed `| operation | source | errno | why |`.
    static func refusals(in markdown: String) -> [Row] {
        var rows: [Row] = []
        var inTable = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count >= 3, cells[0] == "operation", cells[1] == "source", cells[2] == "errno" {
                inTable = true
                continue
            }
            guard inTable else { continue }
            guard line.hasPrefix("|") else { break }
            if cells.first?.hasPrefix("---") == true { continue }
            rows.append(Row(operation: cells[0], source: cells[1], errno: cells[2]))
        }
        return rows
    }

    static var document: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/SEMANTICS.md")
    }

    /// How each operation is tried; `d` is a writable Agave directory holding `f.txt` and a non-empty `full/`.
    private static let checks: [String: String] = [
        "symlink": #"os.symlink("f.txt", d + "/link")"#,
        "link": #"os.link(d + "/f.txt", d + "/hard")"#,
        "mkfifo": #"os.mkfifo(d + "/fifo")"#,
        "mknod-device": #"os.mknod(d + "/dev", 0o600 | stat.S_IFCHR, os.makedev(1, 3))"#,
        "chown-other-user": #"os.chown(d + "/f.txt", 12345, 12345)"#,
        "chmod-source-root": #"os.chmod(mnt + "/agave", 0o700)"#,
        "truncate-past-staging-disk": #"os.truncate(d + "/f.txt", 999999999999999)"#,
        "rename-across-sources": #"os.rename(d + "/f.txt", open_ds + "/f.txt")"#,
        "rmdir-not-empty": #"os.rmdir(d + "/full")"#,
        "removexattr-service-attribute": #"os.removexattr(d + "/f.txt", "user.sciencefs.source")"#,
        "getxattr-security": #"os.getxattr(d + "/f.txt", "security.selinux")"#,
        "create-in-closed-dataset": #"open(closed_ds + "/new.txt", "w").close()"#,
        "create-outside-a-dataset": #"open(scope_dir + "/new.txt", "w").close()"#,
    ]

    func testTheTableParses() throws {
        let rows = Self.refusals(in: try String(contentsOf: Self.document, encoding: .utf8))
        XCTAssertGreaterThanOrEqual(rows.count, 10, "the refusal table was found")
        for row in rows {
            XCTAssertTrue(row.errno.hasPrefix("E"), "\(row)")
            XCTAssertNotNil(Self.checks[row.operation], "docs/SEMANTICS.md lists \(row.operation), which this test cannot check")
        }
    }

    func testEveryDocumentedRefusalGivesItsErrnoOnAMount() throws {
        let rows = Self.refusals(in: try String(contentsOf: Self.document, encoding: .utf8))
        let rucio = fixture.rucio!
        try rucio.addScope(scope, account: "alice")
        try rucio.addCollection(scope: scope, name: "open_ds", type: .dataset)
        try rucio.addCollection(scope: scope, name: "closed_ds", type: .dataset)
        try rucio.setOpen(scope: scope, name: "closed_ds", open: false)
        try fixture.writeServerFile("semantics/f.txt", Data("f\n".utf8))
        try fixture.writeServerFile("semantics/full/x.txt", Data("x\n".utf8))
        try fixture.mount()

        var script = """
            import errno, os, stat, sys
            mnt, d, scope_dir = sys.argv[1], sys.argv[2], sys.argv[3]
            open_ds, closed_ds = scope_dir + "/open_ds", scope_dir + "/closed_ds"
            def attempt(name, f):
                try:
                    f()
                    print(name, "succeeded")
                except OSError as e:
                    code = "EOPNOTSUPP" if e.errno == errno.EOPNOTSUPP else errno.errorcode.get(e.errno, str(e.errno))
                    print(name, code)

            """
        for row in rows {
            guard let check = Self.checks[row.operation] else {
                XCTFail("no check for \(row.operation)")
                continue
            }
            script += "attempt(\"\(row.operation)\", lambda: \(check))\n"
        }
        let run = fixture.run("python3", ["-c", script, fixture.mountpoint.path, fixture.path("semantics"),
                                          fixture.rucioPath(scope)])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines, rows.map { "\($0.operation) \($0.errno)" }, "each documented refusal, in table order")
        XCTAssertTrue(fixture.isMounted)
    }
}
