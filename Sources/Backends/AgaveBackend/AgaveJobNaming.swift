import BackendKit

/// Job directory names for Agave (the rule is `JobDirectoryNaming`'s, shared with Tapis), preferring Agave's id shape.
enum AgaveJobNaming {
    static let maxCandidates = JobDirectoryNaming.maxCandidates

    static func directoryName(name: String?, id: String) -> String {
        JobDirectoryNaming.directoryName(name: name, id: id)
    }

    static func candidateIDs(in directoryName: String) -> [String] {
        JobDirectoryNaming.candidateIDs(in: directoryName, hasIDShape: looksLikeAgaveID)
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx-NNN` with hex groups, as Agave v2 issues job ids.
    static func looksLikeAgaveID(_ text: String) -> Bool {
        JobDirectoryNaming.hasUUIDGroups(text) { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
