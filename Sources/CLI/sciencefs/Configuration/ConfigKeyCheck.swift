import TOMLKit

/// Refuses a key the config file does not know, naming it, its table, and the nearest known key: a typo such as
/// `listng_ttl` would otherwise be ignored without a word, and the mount would run on the default.
enum ConfigKeyCheck {
    static let topLevelKeys = MountConfiguration.CodingKeys.allCases.map(\.rawValue)
    static let sourceKeys = SourceConfiguration.CodingKeys.allCases.map(\.rawValue)
    static let fts3Keys = FTS3Section.CodingKeys.allCases.map(\.rawValue)

    /// Throws `ConfigurationError` for the first unknown key, in the order the tables appear.
    static func check(_ table: TOMLTable, origin: String) throws {
        try refuseUnknown(table.keys, known: topLevelKeys, in: "the top level", origin: origin)
        if let fts3 = table["fts3"]?.table {
            try refuseUnknown(fts3.keys, known: fts3Keys, in: "[fts3]", origin: origin)
        }
        guard let sources = table["sources"]?.table else { return }
        for name in sources.keys.sorted() {
            guard let source = sources[name]?.table else { continue }
            try refuseUnknown(source.keys, known: sourceKeys, in: "[sources.\(name)]", origin: origin)
        }
    }

    private static func refuseUnknown(_ keys: [String], known: [String], in place: String, origin: String) throws {
        for key in keys.sorted() where !known.contains(key) {
            var message = "config file \(origin): unknown key \"\(key)\" in \(place)"
            if let near = nearest(to: key, in: known) { message += " (did you mean \"\(near)\"?)" }
            throw ConfigurationError(message)
        }
    }

    /// The known key closest to `key` by edit distance, when it is close enough to be the likely intent: at most
    /// a third of the key's length (and at least 2) edits away.
    static func nearest(to key: String, in known: [String]) -> String? {
        let limit = max(2, key.count / 3)
        let scored = known.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Levenshtein distance over characters (insert, delete, substitute: one each).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
