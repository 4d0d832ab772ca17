import Foundation
@testable import RucioBackend
import XCTest

/// Rucio's line-delimited JSON streams and JSON replies. A stream goes through `JSONLineSplitter` (in chunks of
/// random sizes, as bytes arrive from the network) and each line is decoded as `RucioAPI.stream` decodes it; the
/// records then go through what the filesystem derives from them (names, attributes, replica order).
final class RucioStreamFuzzTests: XCTestCase {
    func testRucioStreamsAndRepliesSurviveMutatedInput() {
        let targets = [
            FuzzTarget("did-stream") { body in
                for record in try Self.streamRows(DIDRecord.self, body) {
                    _ = RucioAttributes.make(record, parentDatasetOpen: nil, fallbackDate: Date(timeIntervalSince1970: 0))
                    try Self.checkNameRoundTrip(record.did)
                }
            },
            FuzzTarget("replica-stream") { body in
                for record in try Self.streamRows(ReplicaRecord.self, body) {
                    let candidates = ReplicaSelector(preferredRSEs: ["SITE_B"]).order(record, recentlyFailed: ["SITE_A"])
                    for candidate in candidates {
                        try fuzzCheck(candidate.url.hasPrefix("https://") || candidate.url.hasPrefix("http://"),
                                      "replica URL \(candidate.url) is not HTTP(S)")
                    }
                    let rses = RucioBackend.availableRSEs(record)
                    try fuzzCheck(rses == rses.sorted(), "available RSEs not sorted")
                }
            },
            FuzzTarget("did") { body in
                let record = try JSONDecoder().decode(DIDRecord.self, from: body)
                _ = RucioAttributes.make(record, parentDatasetOpen: false, fallbackDate: Date(timeIntervalSince1970: 0))
                try Self.checkNameRoundTrip(record.did)
            },
            FuzzTarget("meta") { body in
                for (_, value) in try JSONDecoder().decode([String: MetaValue].self, from: body) { _ = value.xattrText }
            },
            FuzzTarget("rse") { body in
                _ = try JSONDecoder().decode(RSEInfo.self, from: body)
            },
            FuzzTarget("scopes") { body in
                for scope in try JSONDecoder().decode([String].self, from: body) {
                    _ = DIDNameCoding.encode(scope)
                }
            },
            FuzzTarget("error-body") { body in
                _ = RucioErrorMapping.exception(body)
            },
        ]
        FuzzCampaign(family: "rucio", targets: targets, corpus: RucioCorpus.seeds, dictionary: FuzzMutator.jsonDictionary).run()
    }

    /// The rows of a stream as `RucioAPI.stream` produces them, after checking the splitter's own properties:
    /// the lines do not depend on how the bytes were chunked, they are the input's non-blank lines trimmed, and a
    /// `lineTooLong` refusal happens only when a line really is longer than the limit.
    static func streamRows<T: Decodable>(_ type: T.Type, _ body: Data) throws -> [T] {
        let whole = try lines(of: body, chunkSizes: nil, maxLineLength: 16 << 20)
        try fuzzCheck(whole == referenceLines(body), "splitter lines differ from the input's lines")
        var rng = FuzzRandom(seed: FuzzRandom.fingerprint(body))
        let sizes = (0..<8).map { _ in 1 + rng.below(rng.chance(50) ? 8 : 512) }
        let chunked = try lines(of: body, chunkSizes: sizes, maxLineLength: 16 << 20)
        try fuzzCheck(whole == chunked, "lines depend on chunk sizes \(sizes)")
        let limit = 64
        do {
            _ = try lines(of: body, chunkSizes: sizes, maxLineLength: limit)
        } catch JSONStreamError.lineTooLong {
            let longest = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(\.count).max() ?? 0
            try fuzzCheck(longest > limit, "lineTooLong for a stream whose longest line is \(longest) bytes")
        }
        // Decoding, numbered from 1, as RucioAPI.stream does.
        let decoder = JSONDecoder()
        return try whole.enumerated().map { index, line in
            do { return try decoder.decode(T.self, from: line) } catch {
                throw JSONStreamError.malformedLine(number: index + 1, reason: RucioErrorMapping.describe(error))
            }
        }
    }

    private static func lines(of body: Data, chunkSizes: [Int]?, maxLineLength: Int) throws -> [Data] {
        var splitter = JSONLineSplitter(maxLineLength: maxLineLength)
        var out: [Data] = []
        guard let chunkSizes else {
            try splitter.feed(body) { out.append($0) }
            try splitter.finish { out.append($0) }
            return out
        }
        var offset = body.startIndex, turn = 0
        while offset < body.endIndex {
            let end = min(body.endIndex, offset + chunkSizes[turn % chunkSizes.count])
            try splitter.feed(Data(body[offset..<end])) { out.append($0) }
            offset = end
            turn += 1
        }
        try splitter.finish { out.append($0) }
        return out
    }

    /// What the splitter promises, written the obvious way: `\n`-separated lines, surrounding blanks and a
    /// trailing `\r` trimmed, blank lines dropped.
    private static func referenceLines(_ body: Data) -> [Data] {
        body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).compactMap { raw in
            var line = raw[...]
            let trailing: Set<UInt8> = [0x0D, 0x20, 0x09], leading: Set<UInt8> = [0x20, 0x09]
            while let last = line.last, trailing.contains(last) { line = line.dropLast() }
            while let first = line.first, leading.contains(first) { line = line.dropFirst() }
            return line.isEmpty ? nil : Data(line)
        }
    }

    /// `DIDNameCoding` documents `decode(encode(x)) == x`: a listed DID must be found again under its file name.
    private static func checkNameRoundTrip(_ did: DID) throws {
        for parentScope in [did.scope, did.scope + "-other"] {
            guard let fileName = DIDNameCoding.fileName(scope: did.scope, name: did.name, parentScope: parentScope) else {
                try fuzzCheck(did.name.isEmpty || did.scope.isEmpty, "no file name for \(did)")
                continue
            }
            let back: DID
            do { back = try DIDNameCoding.did(fromFileName: fileName, parentScope: parentScope) } catch {
                throw FuzzInvariantViolation("\(did) → \(fileName.debugDescription) is refused: \(error)")
            }
            try fuzzCheck(back == did, "\(did) → \(fileName.debugDescription) → \(back)")
        }
    }
}
