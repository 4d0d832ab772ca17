/// How a job becomes a directory name, and back.
///
/// The name is `<job name>-<job id>`: the name first so people find their runs, the id last so names stay
/// unique. The job name is sanitised: `/` and NUL become `_` (neither may appear in a file name), a leading `.`
/// becomes `_` (so no job is hidden from `ls` or mistaken for `.status`/`.app`), an empty name becomes `job`,
/// and the name is shortened (at a character boundary) so the whole directory name fits in 255 bytes.
///
/// Agave and Tapis ids contain `-` themselves (`6d1c9bd6-…-007`, `…-007`), so a name cannot be split back at a
/// fixed `-`. `candidateIDs` lists the plausible ids inside a directory name, those of the service's id shape
/// first; the backend asks the server and keeps the job whose own directory name is exactly the one looked up.
/// Shared by every backend with a `jobs/` tree (the layout is `JobTreeLocation`).
public enum JobDirectoryNaming {
    public static let maxNameBytes = 255

    public static func directoryName(name: String?, id: String) -> String {
        var cleaned = String((name ?? "").map { $0 == "/" || $0 == "\0" ? "_" : $0 })
        if cleaned.hasPrefix(".") { cleaned = "_" + cleaned.dropFirst() }
        if cleaned.isEmpty { cleaned = "job" }
        let budget = maxNameBytes - id.utf8.count - 1
        while cleaned.utf8.count > max(budget, 1), !cleaned.isEmpty { cleaned.removeLast() }
        return cleaned + "-" + id
    }

    /// The most requests a lookup of an unknown directory name may cost.
    public static let maxCandidates = 6

    /// Possible job ids inside `directoryName`: every suffix after a `-`, those `hasIDShape` accepts (the
    /// service's id shape) first, then the rest longest first.
    public static func candidateIDs(in directoryName: String, hasIDShape: (String) -> Bool) -> [String] {
        var suffixes: [String] = []
        var index = directoryName.startIndex
        while let dash = directoryName[index...].firstIndex(of: "-") {
            let suffix = String(directoryName[directoryName.index(after: dash)...])
            if !suffix.isEmpty { suffixes.append(suffix) }
            index = directoryName.index(after: dash)
        }
        let shaped = suffixes.filter(hasIDShape)
        let others = suffixes.filter { !hasIDShape($0) }
        return Array((shaped + others).prefix(maxCandidates))
    }
}

extension JobDirectoryNaming {
    /// Whether `text` starts with a UUID's `8-4-4-4-12` hex groups then a sixth group that `suffix` accepts.
    public static func hasUUIDGroups(_ text: String, suffix: (Substring) -> Bool) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        let lengths = [8, 4, 4, 4, 12]
        guard groups.count == 6 else { return false }
        for (group, length) in zip(groups, lengths) where group.count != length || !group.allSatisfy(\.isHexDigit) {
            return false
        }
        return suffix(groups[5])
    }
}
