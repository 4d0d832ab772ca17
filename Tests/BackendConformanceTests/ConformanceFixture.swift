import EmulatorSupport
import Foundation
import SciencefsCore

/// What a backend does with an operation the suite checks: it is done, or it is refused with one error.
enum Outcome: Equatable, CustomStringConvertible {
    case supported
    case refused(FSError)

    var description: String {
        switch self {
        case .supported: return "supported"
        case .refused(let error): return "refused with errno \(error.errno) (\(error))"
        }
    }
}

/// What one backend supports, as its code does it and docs/SEMANTICS.md ("What each source can do") states it.
/// Each fixture declares its own; a refused operation is checked to fail with exactly that error.
struct BackendCapabilities {
    /// Entries per listing request as the fixture configures them; nil when the service sends a whole listing in
    /// one reply (a JSON stream or one document), so there is no paging to get wrong.
    var listingPageSize: Int?
    /// A new file uploaded into `uploadDirectory`.
    var upload: Outcome
    /// An upload over an existing file with other bytes.
    var replace: Outcome
    /// `mkdir` of a new name in `mkdirParent`.
    var mkdir: Outcome
    /// `rmdir` of an empty directory (one the suite just made, or `mkdirParent`'s seeded one when mkdir is refused).
    var rmdir: Outcome
    /// `unlink` of a file.
    var unlink: Outcome
    /// `rename` of a file to a new name in the same directory.
    var rename: Outcome
    /// Whether the service authenticates with tokens that expire (and the backend renews them).
    var expiringTokens: Bool
    /// Why `user.sciencefs.refresh` does not yet reach everything this backend answers from (a cache of its own),
    /// or nil when it does. The refresh check is skipped with this reason until that cache is gone.
    var refreshGap: String?
}

/// A file as the backend shows it after the fixture put it on the server.
struct SeededFile {
    /// The name in the listing.
    var name: String
    /// The bytes the server holds, or nil when the backend renders the server's object itself (AMIE packets).
    var content: Data?
}

struct SeededDirectory {
    var path: RemotePath
    var files: [SeededFile]
}

/// A name the server holds and the name the backend shows for it (the same unless the backend documents a mapping).
struct HostileName {
    var onServer: String
    var shown: String
    /// Whether the suite also uploads a file of this name through the backend (when it uploads at all).
    var uploadable: Bool
    init(_ onServer: String, shown: String? = nil, uploadable: Bool = true) {
        self.onServer = onServer
        self.shown = shown ?? onServer
        self.uploadable = uploadable
    }
}

/// One backend over its emulator on 127.0.0.1, set up for the conformance suite. Every fixture is made fresh for
/// each check and torn down after it.
protocol ConformanceFixture: AnyObject {
    var capabilities: BackendCapabilities { get }
    /// The backend under test (made once per fixture).
    var backend: Backend { get }
    /// A second backend on the same server with nothing learned yet (no token, no cached answer).
    func makeBackend() throws -> Backend
    var faults: FaultInjector { get }
    var requestLog: RequestLog { get }
    /// Retries the backends are configured with after a 5xx.
    var maxRetries: Int { get }

    /// Puts files on the server, bypassing the backend, in a new directory of their own. A backend that names its
    /// files itself (AMIE) makes `files.count` objects and ignores the names.
    func seedDirectory(_ files: [(name: String, data: Data)]) throws -> SeededDirectory
    /// A directory (listed through the Core by the refresh check) and a way to add one name to it on the server,
    /// bypassing the backend; `addOnServer` returns the name as the backend shows it.
    func refreshProbe() throws -> (directory: RemotePath, addOnServer: () throws -> String)
    /// Where new files are uploaded (and renamed, replaced and unlinked) through the backend.
    func uploadDirectory() throws -> RemotePath
    /// Where `mkdir` makes its new directory.
    var mkdirParent: RemotePath { get }
    /// A rename inside this source that crosses two of its filesystems (two Agave systems, two JDMA workspaces),
    /// for a file the fixture has put at `from`; nil when the source has no such pair.
    func crossDeviceRename() throws -> (from: RemotePath, to: RemotePath)?
    /// Names with characters that break naive URL or path handling, and how the backend shows them.
    var hostileNames: [HostileName] { get }
    /// Names inside a seeded directory that the backend refuses before asking the server, with the error.
    var refusedNames: [(name: String, error: FSError)] { get }
    /// A prefix of the requests a `stat` of a seeded file, and a listing of its directory, send (faults are
    /// injected there).
    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch)
    /// The fault that makes the server answer `status` for that request, in the service's own dialect.
    func fault(status: Int) -> FaultInjector.Action
    /// Replies whose meaning the service carries in its error text (docs/SEMANTICS.md "Service errors": JDMA's
    /// overrides): the GET requests answered with the fault, and the documented error of a `stat` then.
    var serviceErrorOverrides: [(request: FaultInjector.PathMatch, fault: FaultInjector.Action, expected: FSError)] { get }
    /// Listing requests the server saw (for paging), since the start.
    func listingRequests() -> Int
    /// Token requests the server saw, since the start.
    func tokenRequests() -> Int
    func tearDown()
}

extension ConformanceFixture {
    func fault(status: Int) -> FaultInjector.Action { .status(status) }
    var refusedNames: [(name: String, error: FSError)] { [] }
    var serviceErrorOverrides: [(request: FaultInjector.PathMatch, fault: FaultInjector.Action, expected: FSError)] { [] }
    func crossDeviceRename() throws -> (from: RemotePath, to: RemotePath)? { nil }
    func tokenRequests() -> Int { 0 }
}

/// Deterministic bytes that do not repeat within a few KiB, so an offset error shows as a mismatch.
func conformancePattern(_ count: Int, seed: UInt32 = 2_463_534_242) -> Data {
    var state = seed
    return Data((0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return UInt8(truncatingIfNeeded: state)
    })
}

extension Backend {
    /// Reads a range into memory.
    func readData(_ path: RemotePath, offset: UInt64, length: UInt64) throws -> Data {
        var out = Data()
        try read(path, offset: offset, length: length) { out.append(contentsOf: $0) }
        return out
    }

    /// Writes `data` to a temporary file, as the Core stages it, and uploads it to `path`.
    @discardableResult
    func upload(_ data: Data, to path: RemotePath) throws -> RemoteAttributes {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try upload(from: file, to: path)
    }
}
