/// One valid document of a fuzz corpus, tagged with the parser (target) it is meant for. JSON documents and
/// JSON-lines streams keep their tree so the mutator can edit structure; other formats are plain text.
struct FuzzSeed {
    enum Shape {
        case text([UInt8])
        case json(FuzzJSON)
        case lines([FuzzJSON])
    }

    let target: String
    let shape: Shape
    /// The document as sent.
    let bytes: [UInt8]

    static func json(_ target: String, _ text: String) -> FuzzSeed {
        let tree = FuzzJSON.seed(text)
        return FuzzSeed(target: target, shape: .json(tree), bytes: tree.rendered)
    }

    /// A JSON-lines stream, one document per element.
    static func lines(_ target: String, _ documents: [String]) -> FuzzSeed {
        let trees = documents.map(FuzzJSON.seed)
        return FuzzSeed(target: target, shape: .lines(trees), bytes: FuzzSeed.join(trees, separator: Array("\n".utf8), trailing: true))
    }

    static func text(_ target: String, _ text: String) -> FuzzSeed {
        FuzzSeed(target: target, shape: .text(Array(text.utf8)), bytes: Array(text.utf8))
    }

    static func join(_ lines: [FuzzJSON], separator: [UInt8], trailing: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for (index, line) in lines.enumerated() {
            if index > 0 { out += separator }
            line.render(into: &out)
        }
        if trailing { out += separator }
        return out
    }

    /// A JSON tree of this seed (one line of a stream, chosen at random), for donating subtrees.
    func anyTree(_ rng: inout FuzzRandom) -> FuzzJSON? {
        switch shape {
        case .text: return nil
        case .json(let tree): return tree
        case .lines(let trees): return trees.isEmpty ? nil : rng.pick(trees)
        }
    }
}
