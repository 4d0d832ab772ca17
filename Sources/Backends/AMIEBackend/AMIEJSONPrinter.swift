/// Renders a packet the way amieclient's `pretty_print()` lays JSON out (`json.dumps(indent=4, sort_keys=True)`):
/// keys sorted, four-space indent, `": "` between key and value, `[]`/`{}` for empty containers. Non-ASCII text is
/// kept as UTF-8 (Python would escape it) because these files are read by people and `jq`, not re-parsed by
/// Python. The output is deterministic, so a packet's size is known before its bytes are read.
enum AMIEJSONPrinter {
    static func pretty(_ value: AMIEJSON) -> String {
        var out = ""
        write(value, depth: 0, into: &out)
        out += "\n"
        return out
    }

    private static func write(_ value: AMIEJSON, depth: Int, into out: inout String) {
        switch value {
        case .string(let s): writeString(s, into: &out)
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? String(d) : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                out += index == 0 ? "\n" : ",\n"
                indent(depth + 1, into: &out)
                write(item, depth: depth + 1, into: &out)
            }
            out += "\n"
            indent(depth, into: &out)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                out += index == 0 ? "\n" : ",\n"
                indent(depth + 1, into: &out)
                writeString(key, into: &out)
                out += ": "
                write(members[key] ?? .null, depth: depth + 1, into: &out)
            }
            out += "\n"
            indent(depth, into: &out)
            out += "}"
        }
    }

    private static func indent(_ depth: Int, into out: inout String) {
        out += String(repeating: " ", count: depth * 4)
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
