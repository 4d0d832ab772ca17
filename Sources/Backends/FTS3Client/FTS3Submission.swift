import Foundation
import SciencefsCore

/// The body of `POST /jobs` (docs/protocols/fts3.md §3.2): one `files` entry per transfer with a single source and
/// destination, and the job `params` we control. Fields we leave out take the server's defaults.
struct FTS3Submission: Encodable, Equatable {
    struct File: Encodable, Equatable {
        var sources: [String]
        var destinations: [String]
        /// `ADLER32:<8 hex>` when the source's value is known, else `ADLER32` (asks the server to compute it).
        var checksum: String
        var filesize: UInt64?
        var metadata: [String: String]?
        var activity: String
    }

    struct Params: Encodable, Equatable {
        /// `both` (compare source, destination and the user's value) or `none`.
        var verify_checksum: String
        var overwrite: Bool
        var retry: Int
        var priority: Int
        var job_metadata: [String: String]?
    }

    var files: [File]
    var params: Params

    static let activity = "default"

    /// Builds the body; throws `FSError.invalidArgument` for an empty job or a file without both URLs.
    init(files transfers: [TransferFile], options: TransferOptions) throws {
        guard !transfers.isEmpty else { throw FSError.invalidArgument("FTS3: a job needs at least one file") }
        files = try transfers.map { transfer in
            let source = transfer.source.trimmingCharacters(in: .whitespaces)
            let destination = transfer.destination.trimmingCharacters(in: .whitespaces)
            guard !source.isEmpty, !destination.isEmpty else {
                throw FSError.invalidArgument("FTS3: a transfer needs a source and a destination URL")
            }
            return File(sources: [source], destinations: [destination], checksum: Self.checksum(adler32: transfer.adler32),
                        filesize: transfer.size, metadata: transfer.metadata.isEmpty ? nil : transfer.metadata,
                        activity: Self.activity)
        }
        params = Params(verify_checksum: options.verifyChecksum ? "both" : "none", overwrite: options.overwrite,
                        retry: options.retry, priority: min(5, max(1, options.priority)),
                        job_metadata: options.metadata.isEmpty ? nil : options.metadata)
    }

    /// `ADLER32:<8 lowercase hex>` for a usable Adler-32 (shorter values are zero-padded, as some catalogues drop
    /// leading zeros); the bare `ADLER32` (type only) when there is none or it is not hex.
    static func checksum(adler32: String?) -> String {
        guard var value = adler32?.trimmingCharacters(in: .whitespaces).lowercased() else { return "ADLER32" }
        if value.hasPrefix("adler32:") { value.removeFirst("adler32:".count) }
        guard (1...8).contains(value.count), value.allSatisfy(\.isHexDigit) else { return "ADLER32" }
        return "ADLER32:" + String(repeating: "0", count: 8 - value.count) + value
    }

    /// The JSON bytes sent (keys sorted so identical jobs produce identical bodies).
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
