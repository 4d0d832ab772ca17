import Foundation

/// File handle numbers given to the kernel (`fi->fh`). Guarded by the VFS lock.
struct HandleTable {
    private var files: [UInt64: OpenHandle] = [:]
    private var next: UInt64 = 1

    mutating func add(_ file: OpenHandle) -> UInt64 {
        let fh = next
        next += 1
        files[fh] = file
        return fh
    }

    func get(_ fh: UInt64) -> OpenHandle? { files[fh] }

    mutating func remove(_ fh: UInt64) -> OpenHandle? { files.removeValue(forKey: fh) }

    var count: Int { files.count }

    /// Every open file (for the rare walks: an unlink looking for descriptors still open on the file).
    var all: [OpenHandle] { Array(files.values) }
}
