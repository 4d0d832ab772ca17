// Glibc declares `stdout` a mutable global, which Swift 6 refuses to read from nonisolated code unless the module
// is imported with @preconcurrency. The stream is thread-safe (stdio locks it) and the pointer never changes, so
// this one file reads it for the rest of the program.
@preconcurrency import Glibc

/// The C library's `stdout` stream, the one `print` writes to.
public var standardOutputStream: UnsafeMutablePointer<FILE> { stdout }
