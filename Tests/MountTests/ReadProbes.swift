import Foundation

/// The partial reads real programs do, as a user would type them, for tests of what a read returns.
extension MountFixture {
    /// Python's `open(path, 'rb').read(count)`: `"read <hex of the bytes>"`, or the errno name (`"EIO"`) of the
    /// open or the read that failed.
    func pythonRead(_ path: String, count: Int) -> String {
        let result = run("python3", ["-c", """
            import errno, sys
            try:
                with open(sys.argv[1], 'rb') as f:
                    data = f.read(int(sys.argv[2]))
            except OSError as e:
                print(errno.errorcode[e.errno])
            else:
                print('read ' + data.hex())
            """, path, String(count)])
        return result.text.trimmingCharacters(in: .whitespacesAndNewlines) + result.stderr
    }

    /// `dd if=path bs=<blockSize> count=1`: its exit status, the bytes it wrote to stdout, and its stderr.
    func ddFirstBlock(_ path: String, blockSize: Int = 1) -> Result {
        run("dd", ["if=\(path)", "bs=\(blockSize)", "count=1", "status=none"])
    }

    /// How many lines of the session log contain `text`.
    func logLines(containing text: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(text) }.count
    }
}
