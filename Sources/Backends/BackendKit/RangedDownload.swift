import SciencefsCore
import SciencefsHTTP

/// A ranged read of a service that answers 416 when the range reaches past the end instead of truncating it (Agave,
/// Tapis, their job outputs): the range is asked for as it is, and only after a 416 is the size looked up and the
/// range clamped, so a read inside the file costs one request.
public enum RangedDownload {
    /// Bytes `[offset, offset+length)` through `download`; `size` is asked only after a `pastEnd` status (416; Tapis's
    /// `range` header gets a 400 for a start at or past the end). Returns the bytes delivered.
    public static func read(offset: UInt64, length: UInt64, pastEnd: Set<Int> = [416], size: () throws -> UInt64,
                            download: (ByteRange) throws -> UInt64) throws -> UInt64 {
        guard let range = ByteRange(offset: offset, length: length) else { return 0 }
        do {
            return try download(range)
        } catch HTTPError.status(let code, _) where pastEnd.contains(code) {
            let size = try size()
            guard offset < size, let clamped = ByteRange(offset: offset, length: min(length, size - offset)) else { return 0 }
            return try download(clamped)
        }
    }
}

/// The extended attributes every job path of a jobs tree carries: `<prefix>.{id,status,app,system}`.
public enum JobXattrs {
    public static func make(prefix: String, id: String, status: String, app: String?, system: String?) -> [String: String] {
        var xattrs = ["\(prefix).id": id, "\(prefix).status": status]
        if let app { xattrs["\(prefix).app"] = app }
        if let system { xattrs["\(prefix).system"] = system }
        return xattrs
    }
}
