/// The hostile values the structure-aware mutator puts into documents: numbers at and past every integer and
/// floating-point limit, text that is not a number, timestamps valid and impossible, names that would escape a
/// directory, tokens the product's enums know, very long strings, invalid UTF-8, and deep nesting.
enum FuzzValues {
    static let numberTokens: [String] = [
        "0", "-0", "1", "-1", "2", "7", "42", "-42", "255", "65535", "4294967295", "4294967296", "2147483648",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999999999",
        "1e20", "-1e20", "1.8e19", "1.8446744073709552e19", "1.7976931348623157e308", "1e308", "1e309", "-1e309",
        "1e-400", "4.9e-324", "0.5", "1.0", "-0.0", "1048576.0", "9e15", "9.007199254740993e15", "123.456e7",
        // Not JSON, but what a careless server writes:
        "NaN", "Infinity", "-Infinity", "nan", "inf", "0x10", "01", "1.", ".5", "+1", "1e", "--1", "1e+", "0e",
    ]

    static let textValues: [String] = [
        "", " ", "0", "-1", " 42 ", "1e20", "18446744073709551616", "-5", "NaN", "inf", "1.5", "٣", "½", "0x1F",
        // timestamps, valid and not
        "2018-07-10T12:28:01.000-05:00", "2018-07-10T12:28:01Z", "2024-02-30T00:00:00", "0000-00-00T00:00:00Z",
        "9999-12-31T23:59:60.999999999+99:99", "2018-07-10 12:28:01", "2020-06-05", "2020-06-05T09:25:37",
        "2020-06-05T09:25:37.123456+00:00", "1969-12-31T23:59:59-23:59", "T", "----------", "2018-07-10T",
        "Tue, 21 Jul 2026 10:00:00 UTC", "Mon, 99 Foo 0000 99:99:99 XYZ", "Thu, 01 Jan 1970 00:00:00", ", , , , ,",
        // names that must never become a path component as they are
        ".", "..", "/", "a/b", "../../etc/passwd", "%2F", "%", "%zz", "%2", ":", "a:b", "scope:", "%2E", "%2E%2E",
        "\u{0}", "a\u{0}b", "\n", "a\nb", "\r\n", "\u{FEFF}", "\u{202E}txt.exe", "e\u{301}", "😀", "名前",
        // values the product's enums and rules look at
        "READ", "WRITE", "READ_WRITE", "ALL", "NONE", "EXECUTE", "dir", "file", "folder", "DIR", "FILE", "F", "D", "C",
        "DATASET", "CONTAINER", "AVAILABLE", "UNAVAILABLE", "TAPE", "DISK", "zip", "lan", "wan",
        "https://host.example/path/file", "davs://h.example:443/p", "http://h/x", "root://x//y", "https://", "://",
        "FINISHED", "FAILED", "CANCELED", "ACTIVE", "SUBMITTED", "200 Ok", "304 Not Modified", "404 Not Found",
        "207 Multi-Status", "99999999999999999999 x", "PUTTING", "ON_STORAGE", "add", "delete", "replace",
        "request_project_create", "notify_project_create", "inform_transaction_complete", "Packet", "packet",
        "SHA256", "sha256", "adler32", "md5", "RUNNING", "ARCHIVING_FAILED",
    ]

    /// String bodies that only raw bytes can express: invalid UTF-8, raw control bytes, escapes that decode to
    /// lone surrogates or NUL, broken escapes.
    static let rawStringBodies: [[UInt8]] = [
        [0xFF], [0xFE, 0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80],
        [0x00], [0x61, 0x00, 0x62], [0x0A], [0x0D], [0x09], [0x1B, 0x5B, 0x32, 0x4A],
        Array("\\u0000".utf8), Array("\\ud800".utf8), Array("\\udc00\\ud800".utf8), Array("\\uDBFF\\uDFFF".utf8),
        Array("\\u00".utf8), Array("\\x41".utf8), Array("\\".utf8), Array("\\uZZZZ".utf8), Array("\\/".utf8),
        Array("\\u002F\\u002E\\u002E".utf8),
    ]

    static func randomNumber(_ rng: inout FuzzRandom) -> String {
        switch rng.below(4) {
        case 0: return String(Int64(bitPattern: rng.next()))
        case 1: return String(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF))
        default: return rng.pick(numberTokens)
        }
    }

    static func randomStringBody(_ rng: inout FuzzRandom) -> [UInt8] {
        switch rng.below(10) {
        case 0, 1: return rng.pick(rawStringBodies)
        case 2:
            // Long: up to 100,000 characters of one kind.
            let unit = rng.pick(["a", "é", "😀", "/", "\\\\", "%2F", " "])
            return Array(String(repeating: unit, count: rng.smallLength(max: 100_000)).utf8)
        case 3:
            var bytes: [UInt8] = []
            for _ in 0..<rng.smallLength(max: 64) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            return bytes.map { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") ? UInt8(ascii: "x") : $0 }
        default: return FuzzJSON.escaped(rng.pick(textValues))
        }
    }

    /// Arrays (or objects) nested `depth` deep, closed or left open.
    static func nested(depth: Int, object: Bool, closed: Bool) -> FuzzJSON {
        let open = object ? Array(String(repeating: "{\"a\":", count: depth).utf8) : Array(String(repeating: "[", count: depth).utf8)
        let close = closed ? Array(String(repeating: object ? "}" : "]", count: depth).utf8) : []
        return .raw(open + Array("1".utf8) + close)
    }

    /// Any value, of any type, chosen to be hostile.
    static func randomValue(_ rng: inout FuzzRandom, corpus: [FuzzSeed]) -> FuzzJSON {
        switch rng.below(20) {
        case 0, 1, 2, 3: return .number(randomNumber(&rng))
        case 4, 5, 6, 7, 8: return .string(randomStringBody(&rng))
        case 9: return .bool(rng.chance(50))
        case 10: return .null
        case 11: return rng.chance(50) ? .array([]) : .object([])
        case 12:
            // Mostly shallow: decoding nesting near JSONDecoder's depth limit (512) costs ~1 s per document in a
            // debug build, and DeepNestingFuzzTests covers depth on its own.
            let depth = rng.chance(97) ? rng.smallLength(max: 64) : rng.smallLength(max: 5_000)
            return nested(depth: depth, object: rng.chance(30), closed: rng.chance(80))
        case 13:
            // Many copies of one small value: a big listing.
            let item = FuzzValues.randomLeaf(&rng)
            return .array(Array(repeating: item, count: rng.smallLength(max: 5_000)))
        case 14:
            return .raw(rng.pick([Array("NaN".utf8), Array("undefined".utf8), Array("'single'".utf8),
                                  Array("{,}".utf8), Array("[1,]".utf8), Array("{\"a\"}".utf8), Array("tru".utf8),
                                  Array("\"unterminated".utf8), Array("/* c */1".utf8), [], [0x00], [0xFF]]))
        case 15:
            // A subtree from another seed document: the right shape in the wrong place.
            let donor = rng.pick(corpus)
            guard let tree = donor.anyTree(&rng) else { return .null }
            return tree.node(at: rng.below(tree.nodeCount))
        default:
            return randomLeaf(&rng)
        }
    }

    static func randomLeaf(_ rng: inout FuzzRandom) -> FuzzJSON {
        switch rng.below(4) {
        case 0: return .number(randomNumber(&rng))
        case 1: return .bool(rng.chance(50))
        default: return .string(FuzzJSON.escaped(rng.pick(textValues)))
        }
    }
}
