import Foundation
import XCTest

/// What real tools rely on, through a real mount over the Agave emulator: `rsync -a`, `tar`, `cp -a`/`cp -p`,
/// chmod/chown/utimensat kept in the attribute overlay (and across a remount), directory mtimes, unlink while open,
/// no ghost entries after a failed upload, and the POSIX errnos for what the services cannot store.
/// docs/SEMANTICS.md describes each behaviour tested here.
final class PosixBehaviourTests: XCTestCase {
    private var fixture: MountFixture!

    override func setUpWithError() throws {
        fixture = try MountFixture(listingTTL: 2)
        try FileManager.default.createDirectory(at: fixture.serverFile("work"), withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let fixture, (testRun?.failureCount ?? 0) > 0 {
            print("--- sciencefs log (last 6000 chars) ---\n\(fixture.log.suffix(6000))")
        }
        fixture?.tearDown()
        fixture = nil
    }

    /// A local tree with modes and times of its own: what a researcher's results directory looks like.
    private func makeLocalTree(_ name: String) throws -> URL {
        let tree = fixture.root.appendingPathComponent(name)
        let script = """
            set -e
            mkdir -p '\(tree.path)/run1/plots' '\(tree.path)/run2'
            printf 'a,b\\n1,2\\n' > '\(tree.path)/run1/table.csv'
            head -c 300000 /dev/urandom > '\(tree.path)/run1/plots/big.bin'
            printf '#!/bin/sh\\necho hi\\n' > '\(tree.path)/run2/go.sh'
            chmod 0755 '\(tree.path)/run2/go.sh'
            chmod 0600 '\(tree.path)/run1/table.csv'
            chmod 0750 '\(tree.path)/run2'
            touch -d '2020-02-03 04:05:06.123456789' '\(tree.path)/run1/table.csv'
            touch -d '2019-01-01 00:00:00' '\(tree.path)/run1/plots/big.bin' '\(tree.path)/run2/go.sh'
            touch -d '2018-06-07 08:09:10' '\(tree.path)/run2' '\(tree.path)/run1/plots' '\(tree.path)/run1'
            """
        let made = fixture.shell(script)
        XCTAssertEqual(made.status, 0, made.stderr)
        return tree
    }

    /// One line per node below `dir`, sorted: name, mode, size (files only: directory sizes differ between
    /// filesystems), mtime to the nanosecond.
    private func statLines(_ dir: String) -> [String] {
        let out = fixture.shell("cd '\(dir)' && find . -mindepth 1 \\( -type d -printf '%p %m dir %T@\\n' \\) -o -printf '%p %m %s %T@\\n' | sort")
        XCTAssertEqual(out.status, 0, out.stderr)
        return out.lines
    }

    func testRsyncIntoTheMountTwiceSendsNothingTheSecondTimeAndOutAgainKeepsEverything() throws {
        let tree = try makeLocalTree("results")
        try fixture.mount()
        let target = fixture.path("work/results")
        let first = fixture.run("rsync", ["-a", "--stats", tree.path + "/", target + "/"])
        XCTAssertEqual(first.status, 0, "rsync -a into the mount: \(first.stderr)")
        XCTAssertEqual(statLines(target), statLines(tree.path), "modes, sizes and times as rsync set them")

        let second = fixture.run("rsync", ["-a", "--stats", tree.path + "/", target + "/"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.text.contains("Number of regular files transferred: 0"), second.text)
        XCTAssertTrue(second.text.contains("Total transferred file size: 0 bytes"), second.text)

        let back = fixture.root.appendingPathComponent("back")
        let out = fixture.run("rsync", ["-a", target + "/", back.path + "/"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(fixture.run("diff", ["-r", tree.path, back.path]).status, 0)
        XCTAssertEqual(statLines(back.path), statLines(tree.path), "rsync out of the mount keeps modes and times")
        XCTAssertEqual(fixture.run("cmp", [tree.path + "/run1/plots/big.bin", fixture.serverFile("work/results/run1/plots/big.bin").path]).status, 0)
    }

    func testModesAndTimesSurviveTheListingTTLAndARemount() throws {
        let tree = try makeLocalTree("kept")
        try fixture.mount()
        let target = fixture.path("work/kept")
        XCTAssertEqual(fixture.run("cp", ["-a", tree.path, target]).status, 0)
        let expected = statLines(tree.path)
        XCTAssertEqual(statLines(target), expected)
        sleep(3) // past listing_ttl = 2: the next listing comes from the server and must not undo the overlay
        XCTAssertEqual(fixture.run("setfattr", ["-n", "user.sciencefs.refresh", "-v", "1", target]).status, 0)
        XCTAssertEqual(statLines(target), expected, "after the server was asked again")
        fixture.unmount()
        try fixture.mount()
        XCTAssertEqual(statLines(target), expected, "after a remount")
    }

    func testAChangeOnTheServerWinsOverTheOverlay() throws {
        try fixture.writeServerFile("work/data.txt", Data("one\n".utf8))
        try fixture.mount()
        let file = fixture.path("work/data.txt")
        XCTAssertEqual(fixture.run("touch", ["-d", "2001-01-01 00:00:00", file]).status, 0)
        XCTAssertEqual(fixture.run("chmod", ["0600", file]).status, 0)
        XCTAssertEqual(fixture.run("stat", ["-c", "%a %Y", file]).text, "600 978307200\n")
        sleep(3)
        _ = fixture.run("ls", ["-l", fixture.path("work")]) // binds the overlay to the server's object
        try fixture.writeServerFile("work/data.txt", Data("someone else wrote more\n".utf8))
        // The kernel keeps attributes for attr_timeout; a remount past listing_ttl asks the server again.
        fixture.unmount()
        sleep(3)
        try fixture.mount()
        let after = fixture.run("stat", ["-c", "%a %s %Y", file]).text
        XCTAssertFalse(after.hasPrefix("600"), "the server's new object shows its own mode: \(after)")
        XCTAssertFalse(after.hasSuffix(" 978307200\n"), "and its own mtime: \(after)")
        XCTAssertTrue(after.contains(" 24 "), after)
    }

    func testTarExtractsIntoTheMountAndArchivesOutOfIt() throws {
        let tree = try makeLocalTree("src")
        let archive = fixture.root.appendingPathComponent("src.tar")
        XCTAssertEqual(fixture.run("tar", ["--format=posix", "-cf", archive.path, "-C", tree.path, "."]).status, 0)
        try fixture.mount()
        let target = fixture.path("work/untarred")
        XCTAssertEqual(fixture.run("mkdir", [target]).status, 0)
        let x = fixture.run("tar", ["-xpf", archive.path, "-C", target])
        XCTAssertEqual(x.status, 0, "tar x into the mount: \(x.stderr)")
        XCTAssertEqual(statLines(target), statLines(tree.path))

        let out = fixture.root.appendingPathComponent("out.tar")
        let c = fixture.run("tar", ["--format=posix", "-cf", out.path, "-C", target, "."])
        XCTAssertEqual(c.status, 0, c.stderr)
        let listed = fixture.run("tar", ["-tvf", out.path]).lines.sorted()
        let original = fixture.run("tar", ["-tvf", archive.path]).lines.sorted()
        XCTAssertEqual(listed, original, "the archive made from the mount lists the same modes, sizes and times")
    }

    func testCpPreservingAttributesAndChownToTheMountingUser() throws {
        let tree = try makeLocalTree("p")
        try fixture.mount()
        let cpp = fixture.run("cp", ["-p", tree.path + "/run1/table.csv", fixture.path("work/table.csv")])
        XCTAssertEqual(cpp.status, 0, "cp -p: \(cpp.stderr)")
        XCTAssertEqual(fixture.run("stat", ["-c", "%a %y", fixture.path("work/table.csv")]).text,
                       fixture.run("stat", ["-c", "%a %y", tree.path + "/run1/table.csv"]).text)
        let cpa = fixture.run("cp", ["-a", tree.path, fixture.path("work/p")])
        XCTAssertEqual(cpa.status, 0, "cp -a: \(cpa.stderr)")
        XCTAssertEqual(statLines(fixture.path("work/p")), statLines(tree.path))

        let me = "\(getuid()):\(getgid())"
        XCTAssertEqual(fixture.run("chown", [me, fixture.path("work/table.csv")]).status, 0, "chown to the mounting user")
        let other = fixture.run("chown", ["12345:12345", fixture.path("work/table.csv")])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("Operation not permitted"), other.stderr)
    }

    func testDirectoryMtimeFollowsChangesMadeThroughTheMount() throws {
        try fixture.mount()
        let dir = fixture.path("work/d")
        XCTAssertEqual(fixture.run("mkdir", [dir]).status, 0)
        XCTAssertEqual(fixture.run("touch", ["-d", "2000-01-01 00:00:00", dir]).status, 0)
        XCTAssertEqual(fixture.run("stat", ["-c", "%Y", dir]).text, "946684800\n")
        XCTAssertEqual(fixture.shell("echo x > '\(dir)/new.txt'").status, 0)
        let afterCreate = Int(fixture.run("stat", ["-c", "%Y", dir]).text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(afterCreate, 946684800, "a create inside moves the directory's mtime")
        XCTAssertEqual(fixture.run("touch", ["-d", "2000-01-01 00:00:00", dir]).status, 0)
        XCTAssertEqual(fixture.run("rm", [dir + "/new.txt"]).status, 0)
        let afterRemove = Int(fixture.run("stat", ["-c", "%Y", dir]).text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        XCTAssertGreaterThan(afterRemove, 946684800, "so does a remove")
        XCTAssertEqual(fixture.run("touch", ["-a", "-d", "2003-03-03 00:00:00", dir]).status, 0)
        XCTAssertEqual(fixture.run("stat", ["-c", "%X", dir]).text, "1046649600\n", "atime is kept")
    }

    func testRenameAndTruncateKeepWhatTheUserSetAndReplaceAsPOSIXSays() throws {
        try fixture.writeServerFile("work/a.txt", Data("aaaa\n".utf8))
        try fixture.writeServerFile("work/b.txt", Data("bbbbbbbb\n".utf8))
        try fixture.mount()
        let a = fixture.path("work/a.txt"), b = fixture.path("work/b.txt"), c = fixture.path("work/c.txt")
        XCTAssertEqual(fixture.run("chmod", ["0604", a]).status, 0)
        XCTAssertEqual(fixture.run("touch", ["-d", "2011-11-11 11:11:11.5", a]).status, 0)
        XCTAssertEqual(fixture.run("mv", [a, c]).status, 0)
        XCTAssertEqual(fixture.run("stat", ["-c", "%a %s %y", c]).text, "604 5 2011-11-11 11:11:11.500000000 +0000\n",
                       "mode and mtime move with the file")
        XCTAssertEqual(fixture.run("mv", [c, b]).status, 0, "rename onto an existing file replaces it")
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("work/b.txt")), Data("aaaa\n".utf8))
        XCTAssertEqual(fixture.run("ls", ["-A", fixture.path("work")]).lines, ["b.txt"])

        XCTAssertEqual(fixture.run("truncate", ["-s", "2", b]).status, 0)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("work/b.txt")), Data("aa".utf8), "a truncate is uploaded")
        XCTAssertEqual(fixture.run("truncate", ["-s", "6", b]).status, 0)
        XCTAssertEqual(try Data(contentsOf: fixture.serverFile("work/b.txt")), Data("aa".utf8) + Data(count: 4),
                       "extending fills with zeros")
        XCTAssertEqual(fixture.run("stat", ["-c", "%a %s", b]).text, "604 6\n", "the mode stays after a rewrite")
    }

    func testUnlinkWhileOpenKeepsEveryDescriptorWorkingUntilTheLastClose() throws {
        let original = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try fixture.writeServerFile("work/temp-reader.bin", original)
        try fixture.mount()
        let script = """
            import os, sys, hashlib
            reader_path, writer_path = sys.argv[1], sys.argv[2]
            r = os.open(reader_path, os.O_RDONLY)
            first = os.read(r, 10)
            os.unlink(reader_path)
            assert not os.path.exists(reader_path), "name still there"
            data = first
            while True:
                chunk = os.read(r, 65536)
                if not chunk: break
                data += chunk
            st = os.fstat(r)
            os.close(r)
            print("reader", hashlib.sha256(data).hexdigest(), st.st_size, st.st_nlink)

            w = os.open(writer_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(w, b"temporary scratch data " * 1000)
            os.unlink(writer_path)
            os.pwrite(w, b"STILL-HERE", 0)
            back = os.pread(w, 10, 0)
            st = os.fstat(w)
            os.ftruncate(w, 100)
            st2 = os.fstat(w)
            os.close(w)
            print("writer", back.decode(), st.st_size, st.st_nlink, st2.st_size)
            """
        let run = fixture.run("python3", ["-c", script, fixture.path("work/temp-reader.bin"), fixture.path("work/temp-writer.bin")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.lines
        XCTAssertEqual(lines.count, 2, run.text)
        let localCopy = fixture.root.appendingPathComponent("orig.bin")
        try original.write(to: localCopy)
        let sha = fixture.run("sha256sum", [localCopy.path]).text.split(separator: " ").first.map(String.init) ?? ""
        XCTAssertEqual(lines.first, "reader \(sha) 200000 0", "an unlinked file reads and fstats to its last close")
        XCTAssertEqual(lines.last, "writer STILL-HERE 23000 0 100", "a writer keeps writing, reading and truncating")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("work/temp-reader.bin").path),
                       "the server's object went at unlink")
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.serverFile("work/temp-writer.bin").path),
                       "an unlinked writer's bytes are never uploaded")
        XCTAssertEqual(fixture.run("ls", ["-A", fixture.path("work")]).lines, [])
        let uploads = fixture.run(MountFixture.binary.path, ["status", "--config", fixture.configURL.path, fixture.mountpoint.path])
        XCTAssertFalse(uploads.text.contains("temp-writer"), "nothing of the unlinked writer is pending: \(uploads.text)")
    }

    func testAFailedUploadLeavesNoGhostInTheListing() throws {
        try fixture.writeServerFile("work/kept.txt", Data("kept\n".utf8))
        try fixture.mount()
        fixture.emulator.faults.add(method: "POST", pathPrefix: "/files/v2/media/system/\(MountFixture.system)/work",
                                    action: .status(500), count: nil)
        let local = fixture.root.appendingPathComponent("doomed.txt")
        try Data("doomed\n".utf8).write(to: local)
        let cp = fixture.run("cp", [local.path, fixture.path("work/doomed.txt")])
        XCTAssertNotEqual(cp.status, 0, "close reports the failed upload")
        XCTAssertEqual(fixture.run("ls", ["-A", fixture.path("work")]).lines, ["kept.txt"], "the listing shows what the server has")
        XCTAssertNotEqual(fixture.run("stat", [fixture.path("work/doomed.txt")]).status, 0)
        fixture.emulator.faults.removeAll()
    }

    func testOperationsTheServicesCannotStoreAreEPERMAndNeverENOSYS() throws {
        try fixture.writeServerFile("work/f.txt", Data("f\n".utf8))
        try fixture.mount()
        let script = """
            import errno, os, sys
            d = sys.argv[1]
            def code(f):
                try:
                    f()
                    return "ok"
                except OSError as e:
                    return errno.errorcode[e.errno]
            for _ in range(2):  # asked twice: an ENOSYS would be remembered by the kernel and change the second answer
                print("symlink", code(lambda: os.symlink("f.txt", d + "/link")))
                print("link", code(lambda: os.link(d + "/f.txt", d + "/hard")))
                print("mkfifo", code(lambda: os.mkfifo(d + "/fifo")))
                print("mknod-char", code(lambda: os.mknod(d + "/dev", 0o600 | 0o020000, os.makedev(1, 3))))
            print("truncate-huge", code(lambda: os.truncate(d + "/f.txt", 999999999999999)))
            print("chown-other", code(lambda: os.chown(d + "/f.txt", 12345, 12345)))
            print("mknod-regular", code(lambda: os.mknod(d + "/plain", 0o640 | 0o100000)))
            """
        let run = fixture.run("python3", ["-c", script, fixture.path("work")])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.lines, [
            "symlink EPERM", "link EPERM", "mkfifo EPERM", "mknod-char EPERM",
            "symlink EPERM", "link EPERM", "mkfifo EPERM", "mknod-char EPERM",
            "truncate-huge EFBIG", "chown-other EPERM", "mknod-regular ok",
        ])
        XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.serverFile("work/plain").path), "mknod of a regular file uploads it")
        XCTAssertEqual(fixture.run("stat", ["-c", "%a %s", fixture.path("work/plain")]).text, "640 0\n")
    }
}
