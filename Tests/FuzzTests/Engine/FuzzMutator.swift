/// Turns a corpus seed into one fuzz input: byte-level mutations (flips, inserts, deletes, truncation, duplicated
/// and spliced chunks, format tokens) and, for JSON, structure-aware ones (hostile values, missing, duplicated and
/// renamed keys, wrong types, subtrees moved between documents, deep nesting). Streams also get line-level edits
/// and random line endings. Deterministic for a given generator state.
struct FuzzMutator {
    let corpus: [FuzzSeed]
    /// Tokens of the input format (JSON punctuation, TOML or INI syntax) that byte mutations insert.
    let dictionary: [[UInt8]]
    /// Inputs are cut back to this many bytes, so a run of stacked growth mutations cannot run away.
    var maxSize = 1 << 20

    func input(from seed: FuzzSeed, _ rng: inout FuzzRandom) -> [UInt8] {
        let roll = rng.below(100)
        if roll < 3 { return seed.bytes } // the seed itself: the accepted path keeps being exercised
        if roll < 5 { return randomBytes(&rng) }
        var bytes: [UInt8]
        switch seed.shape {
        case .json(let tree) where roll < 55:
            bytes = mutateTree(tree, &rng).rendered
            if rng.chance(25) { bytes = mutateBytes(bytes, &rng, rounds: 1 + rng.below(2)) }
        case .lines(let trees) where roll < 60:
            bytes = mutateLines(trees, &rng)
            if rng.chance(20) { bytes = mutateBytes(bytes, &rng, rounds: 1 + rng.below(2)) }
        default:
            bytes = mutateBytes(seed.bytes, &rng, rounds: 1 + rng.smallLength(max: 8))
        }
        if bytes.count > maxSize { bytes.removeLast(bytes.count - maxSize) }
        return bytes
    }

    private func randomBytes(_ rng: inout FuzzRandom) -> [UInt8] {
        (0..<rng.smallLength(max: 4096)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    // MARK: Structure

    func mutateTree(_ tree: FuzzJSON, _ rng: inout FuzzRandom) -> FuzzJSON {
        var result = tree
        for _ in 0..<(1 + rng.below(3)) {
            let index = rng.below(result.nodeCount)
            result = result.replacing(at: index) { mutateNode($0, &rng) }
        }
        return result
    }

    private func mutateNode(_ node: FuzzJSON, _ rng: inout FuzzRandom) -> FuzzJSON {
        switch (node, rng.below(10)) {
        case (.object(var members), 0) where !members.isEmpty:
            members.remove(at: rng.below(members.count)) // a missing key
            return .object(members)
        case (.object(var members), 1) where !members.isEmpty:
            let member = rng.pick(members) // the same key twice, the second with another value
            members.insert((key: member.key, value: FuzzValues.randomValue(&rng, corpus: corpus)), at: rng.below(members.count + 1))
            return .object(members)
        case (.object(var members), 2):
            members.append((key: FuzzValues.randomStringBody(&rng), value: FuzzValues.randomValue(&rng, corpus: corpus)))
            return .object(members)
        case (.object(var members), 3) where !members.isEmpty:
            let index = rng.below(members.count) // a renamed key: other case, trailing space, empty
            let key = String(decoding: members[index].key, as: UTF8.self)
            let renamed = rng.pick([key.uppercased(), key + " ", " " + key, "", key + "_", String(key.dropLast())])
            members[index] = (key: Array(renamed.utf8), value: members[index].value)
            return .object(members)
        case (.object(let members), 4) where !members.isEmpty:
            return .array(members.map(\.value)) // wrong container type
        case (.array(var items), 0) where !items.isEmpty:
            items.remove(at: rng.below(items.count))
            return .array(items)
        case (.array(var items), 1) where !items.isEmpty:
            let copies = rng.smallLength(max: 200) // a long listing of one repeated row
            items += Array(repeating: rng.pick(items), count: copies)
            return .array(items)
        case (.array(let items), 2) where !items.isEmpty:
            return rng.pick(items) // unwrapped
        case (_, 5):
            return rng.chance(50) ? .array([node]) : .object([(key: Array("result".utf8), value: node)])
        default:
            return FuzzValues.randomValue(&rng, corpus: corpus)
        }
    }

    /// A stream: edit one line's structure, drop/duplicate/reorder lines, add blank lines, vary line endings.
    func mutateLines(_ trees: [FuzzJSON], _ rng: inout FuzzRandom) -> [UInt8] {
        var lines = trees
        for _ in 0..<(1 + rng.below(3)) {
            switch rng.below(6) {
            case 0 where !lines.isEmpty: lines.remove(at: rng.below(lines.count))
            case 1 where !lines.isEmpty: lines.insert(rng.pick(lines), at: rng.below(lines.count + 1))
            case 2 where lines.count > 1: lines.swapAt(rng.below(lines.count), rng.below(lines.count))
            case 3: lines.insert(.raw(rng.pick([[], Array(" ".utf8), Array("\t\r".utf8), Array("\r".utf8)])),
                                 at: rng.below(lines.count + 1))
            default:
                if !lines.isEmpty {
                    let index = rng.below(lines.count)
                    lines[index] = mutateTree(lines[index], &rng)
                }
            }
        }
        let separator = rng.pick(["\n", "\n", "\r\n", "\n\n", " \n", "\t\r\n"])
        return FuzzSeed.join(lines, separator: Array(separator.utf8), trailing: rng.chance(70))
    }

    // MARK: Bytes

    func mutateBytes(_ input: [UInt8], _ rng: inout FuzzRandom, rounds: Int) -> [UInt8] {
        var bytes = input
        for _ in 0..<rounds {
            let position = rng.below(bytes.count + 1)
            switch rng.below(12) {
            case 0 where !bytes.isEmpty:
                let i = min(position, bytes.count - 1)
                bytes[i] ^= UInt8(1) << UInt8(rng.below(8))
            case 1 where !bytes.isEmpty:
                bytes[min(position, bytes.count - 1)] = rng.pick(Self.interestingBytes)
            case 2:
                bytes.insert(contentsOf: (0..<rng.smallLength(max: 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: position)
            case 3, 4:
                bytes.insert(contentsOf: rng.pick(dictionary), at: position)
            case 5 where !bytes.isEmpty:
                let token = rng.pick(dictionary)
                let end = min(bytes.count, position + token.count)
                bytes.replaceSubrange(min(position, end)..<end, with: token)
            case 6 where !bytes.isEmpty:
                let start = min(position, bytes.count - 1)
                bytes.removeSubrange(start..<min(bytes.count, start + rng.smallLength(max: max(1, bytes.count / 4))))
            case 7:
                bytes.removeLast(bytes.count - position) // truncation
            case 8 where !bytes.isEmpty:
                let chunk = Self.chunk(of: bytes, &rng)
                let times = rng.chance(90) ? 1 : rng.smallLength(max: 1_000)
                for _ in 0..<times where bytes.count < maxSize { bytes.insert(contentsOf: chunk, at: rng.below(bytes.count + 1)) }
            case 9, 10:
                // Splice a chunk of another corpus document in, or replace the tail with another document's tail.
                let donor = rng.pick(corpus).bytes
                guard !donor.isEmpty else { continue }
                if rng.chance(50) {
                    bytes.insert(contentsOf: Self.chunk(of: donor, &rng), at: position)
                } else {
                    bytes = Array(bytes[..<position]) + Array(donor[rng.below(donor.count)...])
                }
            default:
                if !bytes.isEmpty { bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            if bytes.count > maxSize { bytes.removeLast(bytes.count - maxSize) }
        }
        return bytes
    }

    private static func chunk(of bytes: [UInt8], _ rng: inout FuzzRandom) -> [UInt8] {
        let start = rng.below(bytes.count)
        let length = rng.smallLength(max: bytes.count - start)
        return Array(bytes[start..<min(bytes.count, start + length)])
    }

    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0xC0, 0xED, 0xF4, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D,
                                            0x3A, 0x2C, 0x0A, 0x0D, 0x20, 0x09, 0x30, 0x2D, 0x65, 0x2E, 0x3D, 0x23, 0x27]

    /// JSON syntax and hostile tokens.
    static let jsonDictionary: [[UInt8]] = (["{", "}", "[", "]", ":", ",", "\"", "\\", "null", "true", "false", "\"\":",
                                             "{}", "[]", "\\u0000", "\\ud800", "\n", "\r\n", " ", "-", "e+400", ".",
                                             "\"result\":", "\"status\":\"success\",", "1e999"]
                                            + FuzzValues.numberTokens).map { Array($0.utf8) }
}
