import EmulatorSupport
import Foundation
import XCTest

/// The Tapis source's row of issue #8's fault table: every `FaultMatrix.Kind` against Tapis listings, stats,
/// ranged reads and uploads, through a real mount, judged by the same rules and outcomes as the Agave cells.
extension FaultMatrixTests {
    private func tapisMount() throws -> TapisMountSession {
        let session = try TapisMountSession(settings: FaultMatrix.sourceSettings)
        cleanup.append { session.tearDown() }
        logForFailure = { session.mount.log }
        return session
    }

    func testTapisList() throws {
        let tapis = try tapisMount()
        for i in 0..<Kind.allCases.count {
            for name in ["a.txt", "b.txt", "c.txt"] { try tapis.writeServerFile("list-\(i)/\(name)", Data(name.utf8)) }
        }
        try tapis.mount.mount()
        try runMatrix(operation: "list (Tapis `ls`)", bodyBytes: 600, injector: tapis.faults, mount: tapis.mount,
                      expected: Self.metadata) { i, fault in
            .init(method: "GET", path: .prefix("/v3/files/ops/\(TapisMountSession.system)/list-\(i)"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let ls = tapis.mount.run("ls", [tapis.path("list-\(i)")])
            return (ls.status == 0 && ls.lines == ["a.txt", "b.txt", "c.txt"], ls.stderr)
        }
    }

    func testTapisStat() throws {
        let tapis = try tapisMount()
        for i in 0..<Kind.allCases.count { try tapis.writeServerFile("stat-\(i)/f.bin", Data(repeating: 7, count: 12_345)) }
        try tapis.mount.mount()
        try runMatrix(operation: "stat (Tapis `stat`)", bodyBytes: 600, injector: tapis.faults, mount: tapis.mount,
                      expected: Self.metadata) { i, fault in
            .init(method: "GET", path: .prefix("/v3/files/ops/\(TapisMountSession.system)/stat-\(i)/f.bin"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let stat = tapis.mount.run("stat", ["-c", "%s", tapis.path("stat-\(i)/f.bin")])
            return (stat.status == 0 && stat.lines == ["12345"], stat.stderr)
        }
    }

    func testTapisRead() throws {
        let tapis = try tapisMount()
        for i in 0..<Kind.allCases.count { try tapis.writeServerFile("read-\(i)/data.bin", PseudoRandomBytes.make(3 << 20, seed: i)) }
        try tapis.mount.mount()
        try runMatrix(operation: "read (Tapis `cmp`, 3 MiB)", bodyBytes: 1 << 20, injector: tapis.faults,
                      mount: tapis.mount, expected: Self.reads) { i, fault in
            .init(method: "GET", path: .prefix("/v3/files/content/\(TapisMountSession.system)/read-\(i)/"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let cmp = tapis.mount.run("cmp", [tapis.path("read-\(i)/data.bin"), tapis.serverFile("read-\(i)/data.bin").path])
            return (cmp.status == 0, cmp.stderr + cmp.text)
        }
    }

    /// The upload reply is a short envelope (about 170 bytes), so the mid-body cuts land at 60 bytes.
    func testTapisUpload() throws {
        let tapis = try tapisMount()
        for i in 0..<Kind.allCases.count {
            try tapis.writeServerFile("up-\(i)/existing.txt", Data("x".utf8))
            try PseudoRandomBytes.make(2 << 20, seed: 100 + i).write(to: tapis.mount.root.appendingPathComponent("up-\(i).bin"))
        }
        try tapis.mount.mount()
        try runMatrix(operation: "upload (`cp` into Tapis, 2 MiB)", bodyBytes: 120, injector: tapis.faults,
                      mount: tapis.mount, expected: Self.uploads) { i, fault in
            .init(method: "POST", path: .prefix("/v3/files/ops/\(TapisMountSession.system)/up-\(i)"),
                  action: fault.action, count: fault.count)
        } perform: { i in
            let local = tapis.mount.root.appendingPathComponent("up-\(i).bin")
            let cp = tapis.mount.run("cp", [local.path, tapis.path("up-\(i)/new.bin")])
            let stored = try? Data(contentsOf: tapis.serverFile("up-\(i)/new.bin"))
            return (cp.status == 0 && stored == (try? Data(contentsOf: local)), cp.stderr)
        }
    }
}
