import Foundation

/// A minimal INI reader for `rucio.cfg` (Python `configparser` style, the subset Rucio configs use):
/// `[section]` headers, `key = value` or `key: value` lines, `#`/`;` comment lines, indented continuation
/// lines appended to the previous value, keys case-insensitive (configparser lower-cases them), and no
/// interpolation. Values keep inner spaces; surrounding whitespace is trimmed.
public struct INIFile: Sendable, Equatable {
    /// section name → (lower-cased key → value). Section names are case-sensitive, as in configparser.
    public private(set) var sections: [String: [String: String]]

    public init(sections: [String: [String: String]] = [:]) { self.sections = sections }

    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        self.init(parsing: String(decoding: data, as: UTF8.self))
    }

    public init(parsing text: String) {
        var sections: [String: [String: String]] = [:]
        var section: String?
        var lastKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") {
                if trimmed.isEmpty { lastKey = nil }
                continue
            }
            // A continuation line: indented, directly after a key.
            if let first = line.first, first == " " || first == "\t", let section, let key = lastKey {
                let previous = sections[section]?[key] ?? ""
                sections[section]?[key] = previous.isEmpty ? trimmed : previous + "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                let name = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                section = name
                if sections[name] == nil { sections[name] = [:] }
                lastKey = nil
                continue
            }
            guard let section, let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                lastKey = nil
                continue // a key outside any section, or a line without a separator: ignored like noise
            }
            let key = trimmed[..<separator].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            sections[section, default: [:]][key] = value
            lastKey = key
        }
        self.sections = sections
    }

    /// The value of `key` in `section`, or nil when absent or empty.
    public func value(_ section: String, _ key: String) -> String? {
        guard let value = sections[section]?[key.lowercased()], !value.isEmpty else { return nil }
        return value
    }
}
