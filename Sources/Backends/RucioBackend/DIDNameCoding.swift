import SciencefsCore

/// Maps Rucio scope and DID names to file names and back, reversibly.
///
/// Rucio names may contain `/` (even lead with it), which a file name cannot; and nothing the server sends may
/// become `.`, `..`, an empty name or contain NUL, or a path could escape its directory. The mapping:
///
/// | in a DID name | in the file name |
/// |---|---|
/// | `%` | `%25` |
/// | `/` | `%2F` |
/// | `:` | `%3A` (the `:` is reserved for `scope:name`) |
/// | NUL | `%00` |
/// | a whole name `.` / `..` | `%2E` / `%2E%2E` |
///
/// Everything else (spaces, unicode) is kept as is. Decoding accepts exactly these upper-case escapes and
/// rejects any other `%` sequence, so every file name maps to at most one DID name and `decode(encode(x)) == x`.
/// An empty name cannot be represented and is rejected (the listing skips it with a log line).
///
/// A child whose scope differs from its parent collection's scope is shown as `<scope>:<name>`, each part
/// encoded as above; a name without an unescaped `:` inherits the scope of the directory it is in.
public enum DIDNameCoding {
    public static func encode(_ name: String) -> String? {
        guard !name.isEmpty else { return nil }
        if name == "." { return "%2E" }
        if name == ".." { return "%2E%2E" }
        var out = ""
        out.reserveCapacity(name.utf8.count)
        for scalar in name.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "/": out += "%2F"
            case ":": out += "%3A"
            case "\u{0}": out += "%00"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The DID name a file name stands for; throws `.invalidArgument` for names no DID maps to.
    public static func decode(_ fileName: String) throws -> String {
        guard !fileName.isEmpty, fileName != ".", fileName != "..", !fileName.contains("\u{0}"), !fileName.contains("/") else {
            throw FSError.invalidArgument("not a DID file name: \(fileName.debugDescription)")
        }
        if fileName == "%2E" { return "." }
        if fileName == "%2E%2E" { return ".." }
        var out = ""
        var scalars = fileName.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "%" else {
                if scalar == ":" { throw FSError.invalidArgument("unescaped ':' in a DID name: \(fileName.debugDescription)") }
                out.unicodeScalars.append(scalar)
                continue
            }
            let code = String([scalars.next(), scalars.next()].compactMap { $0.map(Character.init) })
            switch code {
            case "25": out += "%"
            case "2F": out += "/"
            case "3A": out += ":"
            case "00": out += "\u{0}"
            default: throw FSError.invalidArgument("unknown escape %\(code) in \(fileName.debugDescription)")
            }
        }
        return out
    }

    /// The file name of `child` shown inside a directory whose DIDs live in `parentScope`.
    public static func fileName(scope: String, name: String, parentScope: String) -> String? {
        guard let encodedName = encode(name) else { return nil }
        if scope == parentScope { return encodedName }
        guard let encodedScope = encode(scope) else { return nil }
        return encodedScope + ":" + encodedName
    }

    /// The DID a file name stands for inside a directory of scope `parentScope`.
    public static func did(fromFileName fileName: String, parentScope: String) throws -> DID {
        if let colon = fileName.firstIndex(of: ":") {
            let scope = try decode(String(fileName[..<colon]))
            let name = try decode(String(fileName[fileName.index(after: colon)...]))
            return DID(scope: scope, name: name)
        }
        return DID(scope: parentScope, name: try decode(fileName))
    }
}

/// A data identifier: `scope:name`.
public struct DID: Hashable, Sendable, CustomStringConvertible, Codable {
    public var scope: String
    public var name: String
    public init(scope: String, name: String) {
        self.scope = scope
        self.name = name
    }
    public var description: String { "\(scope):\(name)" }
}
