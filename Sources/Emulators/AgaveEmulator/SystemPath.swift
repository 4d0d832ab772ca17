import EmulatorSupport
import Foundation

/// A path inside one storage system, already decoded and checked: no `..`, no empty or `.` segments, no `/` or
/// NUL inside a segment. `relative` is "" for the system root.
struct SystemPath: Sendable, Equatable {
    let systemId: String
    let segments: [String]
    /// Where the system's `rootDir` lives on disk.
    let root: URL

    var relative: String { segments.joined(separator: "/") }
    /// Agave's `path` field: absolute within the system, e.g. `/project/a.txt`, or `/` for the root.
    var agavePath: String { "/" + relative }
    var name: String { segments.last ?? "/" }
    var isRoot: Bool { segments.isEmpty }

    /// The file on disk.
    var fileSystemPath: String {
        segments.isEmpty ? root.path : root.path + "/" + relative
    }

    var parent: SystemPath { SystemPath(systemId: systemId, segments: Array(segments.dropLast()), root: root) }

    func appending(_ more: [String]) -> SystemPath {
        SystemPath(systemId: systemId, segments: segments + more, root: root)
    }

    /// Splits and validates an already-decoded relative path (as found in a manage body or an `agave://` URL).
    static func validatedSegments(_ decoded: String) throws -> [String] {
        try decoded.split(separator: "/", omittingEmptySubsequences: true).compactMap { segment in
            try validate(String(segment))
        }
    }

    /// Decodes percent-encoded URL path segments and validates them.
    static func decodedSegments<S: Sequence>(_ rawSegments: S) throws -> [String] where S.Element: StringProtocol {
        try rawSegments.compactMap { raw in
            guard !raw.isEmpty else { return nil }
            guard let decoded = FormEncoding.percentDecode(raw, plusIsSpace: false) else {
                throw AgaveError.badRequest("Invalid path: bad percent-encoding")
            }
            return try validate(decoded)
        }
    }

    /// nil for a segment that means "here" (`.`); throws for escapes and impossible names.
    private static func validate(_ segment: String) throws -> String? {
        if segment == "." { return nil }
        if segment == ".." { throw AgaveError.badRequest("Invalid path: '..' is not allowed") }
        if segment.contains("/") || segment.contains("\u{0}") {
            throw AgaveError.badRequest("Invalid path: a name may not contain '/' or NUL")
        }
        return segment
    }
}
