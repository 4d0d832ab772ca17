import CFuse
import Foundation

/// Answers a read with bytes of a cache file, read into a buffer that belongs to the libfuse worker thread and is
/// kept for the thread's life (freed when it exits).
///
/// Not with libfuse's `fuse_reply_data` on the descriptor: for our 1 MiB replies libfuse 3.14 never spliced (strace
/// of a warm read: one pread, mmap, munmap and writev per reply, no splice) but copied into a fresh 1 MiB malloc,
/// which glibc maps and unmaps every time. Page faults and munmap were about 40 % of the daemon's CPU on a warm read.
enum FileRegionReply {
    /// The calling thread's buffer: its capacity in the first word, the bytes after the header.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { buffer in free(buffer) }
        return key
    }()
    private static let header = 16

    /// Replies to `req` with `length` bytes of `descriptor` at `offset` (fewer at the end of the file), or with the
    /// errno of a failed read.
    static func reply(_ req: fuse_req_t?, descriptor: Int32, offset: UInt64, length: Int) {
        guard let buffer = buffer(capacity: length) else {
            fuse_reply_err(req, ENOMEM)
            return
        }
        var done = 0
        while done < length {
            let n = pread(descriptor, buffer + done, length - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                fuse_reply_err(req, errno)
                return
            }
            if n == 0 { break }
            done += n
        }
        fuse_reply_buf(req, buffer.assumingMemoryBound(to: CChar.self), done)
    }

    /// This thread's buffer of at least `capacity` bytes.
    private static func buffer(capacity: Int) -> UnsafeMutableRawPointer? {
        if let base = pthread_getspecific(key), base.load(as: Int.self) >= capacity { return base + header }
        free(pthread_getspecific(key))
        let base = malloc(header + capacity)
        pthread_setspecific(key, base)
        guard let base else { return nil }
        base.storeBytes(of: capacity, as: Int.self)
        return base + header
    }
}
