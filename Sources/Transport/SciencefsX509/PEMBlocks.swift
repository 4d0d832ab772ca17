/// Finds PEM blocks in text by their armour lines, for the cases where OpenSSL's readers would stop at the first
/// block they do not expect.
enum PEMBlocks {
    /// The first `-----BEGIN …PRIVATE KEY-----` … `-----END …-----` block, armour included.
    static func firstPrivateKey(in text: String) -> String? {
        var searchStart = text.startIndex
        while let begin = text.range(of: "-----BEGIN ", range: searchStart..<text.endIndex) {
            guard let labelEnd = text.range(of: "-----", range: begin.upperBound..<text.endIndex) else { return nil }
            let label = text[begin.upperBound..<labelEnd.lowerBound]
            let endLine = "-----END \(label)-----"
            guard let end = text.range(of: endLine, range: labelEnd.upperBound..<text.endIndex) else { return nil }
            if label.hasSuffix("PRIVATE KEY") {
                return String(text[begin.lowerBound..<end.upperBound]) + "\n"
            }
            searchStart = end.upperBound
        }
        return nil
    }
}
