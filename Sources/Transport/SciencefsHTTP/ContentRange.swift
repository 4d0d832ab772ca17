import Foundation

/// A `Content-Range: bytes <first>-<last>/<size or *>` header of a 206 reply (RFC 9110 §14.4).
struct ContentRange: Equatable {
    var first: UInt64
    var last: UInt64
    /// nil when the server wrote `*`.
    var size: UInt64?

    /// The number of body bytes the header announces.
    var length: UInt64 { last - first + 1 }

    init?(_ header: String?) {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst("bytes ".count)
        let parts = spec.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let bounds = parts[0].split(separator: "-", maxSplits: 1)
        guard bounds.count == 2, let first = UInt64(bounds[0]), let last = UInt64(bounds[1]), first <= last else { return nil }
        self.first = first
        self.last = last
        size = parts[1] == "*" ? nil : UInt64(parts[1])
        if parts[1] != "*", size == nil { return nil }
    }
}
