import Foundation
import Logging

/// The kernel's readahead for one FUSE mount, set through `/sys/class/bdi/<major:minor>/read_ahead_kb`.
///
/// The kernel starts every FUSE mount at 128 KiB and the FUSE handshake can only lower it, so a sequential
/// `cat` reaches the daemon as 128 KiB reads: one request, one reply and two thread switches per 128 KiB.
/// With 1 MiB the kernel sends reads as large as libfuse allows (1 MiB), and cached reads through the mount got
/// about 1.5 times faster in the benchmark. Only root may write the setting; anyone else keeps the default.
///
/// Order matters: the kernel lowers the setting to the `max_readahead` of the FUSE handshake's reply, which
/// comes after the mount. So the setting is written right after the mount, and the `init` callback then asks
/// for the same amount (`FuseFilesystem.kernelReadahead`).
enum KernelReadahead {
    /// Sets the mount's readahead to `kibibytes`. Runs before the daemon serves requests, so it must not touch
    /// the mount itself: the mount is found in /proc/self/mountinfo, not by `stat` (which would wait on this
    /// very daemon forever). `mountpoint` is absolute. Failure is logged, never fatal.
    /// Returns whether the setting was written.
    @discardableResult
    static func apply(kibibytes: Int, mountpoint: String, logger: Logger) -> Bool {
        guard kibibytes > 0 else { return false }
        guard let device = device(of: mountpoint) else {
            logger.debug("kernel readahead unchanged: mount not found in /proc/self/mountinfo")
            return false
        }
        let setting = "/sys/class/bdi/\(device)/read_ahead_kb"
        do {
            try "\(kibibytes)\n".write(toFile: setting, atomically: false, encoding: .utf8)
            logger.debug("kernel readahead set", metadata: ["kib": "\(kibibytes)", "device": "\(device)"])
            return true
        } catch {
            logger.debug("kernel readahead unchanged (needs root)", metadata: ["setting": "\(setting)"])
            return false
        }
    }

    /// The `major:minor` of the filesystem mounted on `mountpoint`, the last such mount if stacked.
    static func device(of mountpoint: String) -> String? {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        return device(of: mountpoint, in: table)
    }

    /// Parses mountinfo lines: `id parent major:minor root mountpoint options ...`, where the mountpoint escapes
    /// space, tab, newline and backslash as octal (`\040`).
    static func device(of mountpoint: String, in table: String) -> String? {
        // Plain string work: `URL(fileURLWithPath:)` would stat the path, which waits on this daemon.
        var wanted = mountpoint
        while wanted.count > 1, wanted.hasSuffix("/") { wanted.removeLast() }
        var found: String?
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4, unescape(String(fields[4])) == wanted else { continue }
            found = String(fields[2])
        }
        return found
    }

    static func unescape(_ field: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "\\"), i + 3 < source.count,
               let value = UInt8(String(decoding: source[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
