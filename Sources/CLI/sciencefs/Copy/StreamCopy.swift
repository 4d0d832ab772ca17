import Foundation

/// A copy through this machine, for files no server-side job can move: read and write in 1 MiB pieces, parents
/// created. Inside a mount this still uploads through the mount's own write path.
enum StreamCopy {
    static func copy(from source: String, to destination: String) throws {
        let parent = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw CopyFailure("cannot open \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard output >= 0 else { throw CopyFailure("cannot create \(destination): \(String(cString: strerror(errno)))") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = String(cString: strerror(errno))
                close(output)
                throw CopyFailure("read \(source): \(why)")
            }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                if w < 0 {
                    if errno == EINTR { continue }
                    let why = String(cString: strerror(errno))
                    close(output)
                    throw CopyFailure("write \(destination): \(why)")
                }
                written += w
            }
        }
        // close() is where the mount uploads and reports a failed upload.
        guard close(output) == 0 else { throw CopyFailure("close \(destination): \(String(cString: strerror(errno)))") }
    }
}
