import Foundation

/// A name as a hostile server puts it inside a JSON string: the exact bytes between the quotes. Most are ordinary
/// JSON text (escaped like any encoder would); some are bytes no encoder produces (raw 0xFF, a broken UTF-8 pair) or
/// escapes that decode to no valid string (a lone surrogate), so replies are spliced as bytes, not built as values.
struct WireName {
    /// How the test names the case in messages.
    let label: String
    /// The bytes between the quotes, as sent.
    let body: Data

    /// `text` written as a JSON encoder writes it (`"`, `\` and control characters escaped).
    static func text(_ text: String, label: String? = nil) -> WireName {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return WireName(label: label ?? text.debugDescription, body: Data(out.utf8))
    }

    /// Bytes sent as they are (for invalid UTF-8 and hand-written escapes such as `\udcff`).
    static func raw(_ label: String, _ bytes: [UInt8]) -> WireName { WireName(label: label, body: Data(bytes)) }

    /// The JSON string literal, quotes included.
    var quoted: Data { Data("\"".utf8) + body + Data("\"".utf8) }

    /// Strings no JSON decoder can turn into a Swift `String`: raw 0xFF, the broken pair 0xC3 0x28, a lone
    /// surrogate escape. A reply carrying one is malformed as a whole.
    static let undecodable: [WireName] = [
        .raw("raw 0xFF", Array("bad".utf8) + [0xFF] + Array(".txt".utf8)),
        .raw("raw 0xC3 0x28", Array("bad".utf8) + [0xC3, 0x28] + Array(".txt".utf8)),
        .raw("lone surrogate \\udcff", Array("bad\\udcff.txt".utf8)),
    ]
}

/// Builds reply bodies from a template whose placeholders are spliced with raw bytes.
enum HostileReply {
    /// Replaces every `@NAME@` in `template` with `name.quoted` and every `@BARE@` with `name.body`.
    static func row(_ template: String, _ name: WireName) -> Data {
        let pieces = template.components(separatedBy: "@NAME@").map { part in
            joined(part.components(separatedBy: "@BARE@").map { Data($0.utf8) }, separator: name.body)
        }
        return joined(pieces, separator: name.quoted)
    }

    /// Rows joined with `separator` (`,` for a JSON array, `\n` for Rucio's JSON stream).
    static func joined(_ rows: [Data], separator: String) -> Data { joined(rows, separator: Data(separator.utf8)) }

    static func joined(_ rows: [Data], separator: Data) -> Data {
        var out = Data()
        for (index, row) in rows.enumerated() {
            if index > 0 { out += separator }
            out += row
        }
        return out
    }

    /// The JSON text of `value` with each `"@@n@@"` string (quotes included) replaced by `names[n].quoted`: a
    /// real reply fetched from an emulator, re-serialised with hostile names spliced in as bytes.
    static func splice(_ value: Any, names: [WireName]) throws -> Data {
        var text = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        for (index, name) in names.enumerated() {
            let marker = Data("\"@@\(index)@@\"".utf8)
            while let range = text.range(of: marker) { text.replaceSubrange(range, with: name.quoted) }
        }
        return text
    }
}

/// The hostile names every service is fed, with the lengths that straddle NAME_MAX.
enum HostileNameCases {
    static let parent = ".."
    static let dot = "."
    static let climb = "../../etc"
    static let slash = "a/b"
    static let nul = "x\u{0}y"
    static let kib4 = String(repeating: "n", count: 4096)
    static let over = String(repeating: "m", count: 256)
    static let atLimit = String(repeating: "k", count: 255)
}
