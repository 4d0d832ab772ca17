import Foundation

/// A path inside one storage system of an emulator, already decoded and checked: no `..`, no empty or `.` segments, no `/` or
/// NUL inside a segment. `relative` is "" for the system root.
package struct SystemPath: Sendable, Equatable {
    /// A path that cannot name a file: bad percent-encoding, `..`, or `/` or NUL inside a name. Each emulator
    /// answers it as its service answers a bad request (400).
    package struct InvalidPath: Error, CustomStringConvertible {
        package let message: String
        package var description: String { message }
    }

    package let systemId: String
    package let segments: [String]
    /// Where the system's `rootDir` lives on disk.
    package let root: URL

    package init(systemId: String, segments: [String], root: URL) {
        self.systemId = systemId
        self.segments = segments
        self.root = root
    }

    package var relative: String { segments.joined(separator: "/") }
    package var name: String { segments.last ?? "/" }
    package var isRoot: Bool { segments.isEmpty }

    /// The file on disk.
    package var fileSystemPath: String {
        segments.isEmpty ? root.path : root.path + "/" + relative
    }

    package var parent: SystemPath { SystemPath(systemId: systemId, segments: Array(segments.dropLast()), root: root) }

    package func appending(_ more: [String]) -> SystemPath {
        SystemPath(systemId: systemId, segments: segments + more, root: root)
    }

    /// Splits and validates an already-decoded relative path (as found in a request body or a `tapis://`/`agave://` URL).
    package static func validatedSegments(_ decoded: String) throws -> [String] {
        try decoded.split(separator: "/", omittingEmptySubsequences: true).compactMap { segment in
            try validate(String(segment))
        }
    }

    /// Decodes percent-encoded URL path segments and validates them.
    package static func decodedSegments<S: Sequence>(_ rawSegments: S) throws -> [String] where S.Element: StringProtocol {
        try rawSegments.compactMap { raw in
            guard !raw.isEmpty else { return nil }
            guard let decoded = FormEncoding.percentDecode(raw, plusIsSpace: false) else {
                throw InvalidPath(message: "Invalid path: bad percent-encoding")
            }
            return try validate(decoded)
        }
    }

    /// nil for a segment that means "here" (`.`); throws for escapes and impossible names.
    private static func validate(_ segment: String) throws -> String? {
        if segment == "." { return nil }
        if segment == ".." { throw InvalidPath(message: "Invalid path: '..' is not allowed") }
        if segment.contains("/") || segment.contains("\u{0}") {
            throw InvalidPath(message: "Invalid path: a name may not contain '/' or NUL")
        }
        return segment
    }
}
