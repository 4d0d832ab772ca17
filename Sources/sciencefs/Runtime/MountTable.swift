import Foundation

/// Reads /proc/self/mountinfo to tell whether a sciencefs mount is live at a path.
enum MountTable {
    static func isMounted(_ mountpoint: String) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            if unescape(String(fields[4])) == mountpoint && fields[dash + 1].hasPrefix("fuse.sciencefs") { return true }
        }
        return false
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    private static func unescape(_ field: String) -> String {
        var out = ""
        var chars = Array(field)
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 3 < chars.count + 0, let code = Int(String(chars[(i + 1)...(i + 3)]), radix: 8),
               let scalar = Unicode.Scalar(code) {
                out.append(Character(scalar))
                i += 4
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        chars = []
        return out
    }
}
