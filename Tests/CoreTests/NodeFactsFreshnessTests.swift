import Foundation
import Logging
import SciencefsStore
import XCTest
@testable import SciencefsCore

/// Facts a backend keeps in the Core (`NodeFacts`) obey the one TTL: an answer built from them is kept as old as they
/// are, they live for the shorter TTL of their path, and a refresh of anything below a directory reaches its facts.
final class NodeFactsFreshnessTests: VFSTestCase {
    private let policy = CachePolicy(attributeTTL: 30, listingTTL: 40, negativeTTL: 5)

    func testAFactIsFreshForTheShorterTTLAndDatesTheAnswerThatUsesIt() {
        let clock = ManualClock()
        let start = clock.now()
        let cache = MetadataCache(store: nil) { XCTFail("store error \($0)") }
        let facts = NodeFacts(source: "s", cache: cache, clock: clock) { [policy] _ in policy }
        facts.set("children of d", at: RemotePath(["d"]))
        facts.set("file list of b", at: RemotePath(["b"]), unchanging: true)
        clock.advance(20)
        let (answer, asOf) = AnswerTime.measure(asked: clock.now()) { facts.value(String.self, at: RemotePath(["d"])) }
        XCTAssertEqual(try answer.get(), "children of d")
        XCTAssertEqual(asOf, start, "the answer is as old as the fact it was built from")
        let (_, unchangingAsOf) = AnswerTime.measure(asked: clock.now()) { facts.value(String.self, at: RemotePath(["b"])) }
        XCTAssertEqual(unchangingAsOf, clock.now(), "an unchanging fact ages no answer")
        clock.advance(11)
        XCTAssertNil(facts.value(String.self, at: RemotePath(["d"])), "gone after the attribute TTL, the shorter one")
        XCTAssertEqual(facts.value(String.self, at: RemotePath(["b"])), "file list of b", "no TTL")
    }

    func testARefreshBelowADirectoryDropsItsFactsAndAChangeThroughTheMountDoesNot() {
        let clock = ManualClock()
        let cache = MetadataCache(store: nil) { XCTFail("store error \($0)") }
        let facts = NodeFacts(source: "s", cache: cache, clock: clock) { [policy] _ in policy }
        let file = NodeKey(source: "s", path: RemotePath(["ws", "batch", "a", "f"]))
        facts.set("batch list", at: .root)
        facts.set("tree", at: RemotePath(["ws", "batch"]), unchanging: true)
        cache.removed(file, now: clock.now())
        XCTAssertEqual(facts.value(String.self, at: RemotePath(["ws", "batch"])), "tree",
                       "the backend that removed it knows what it changed")
        cache.invalidate(file)
        XCTAssertNil(facts.value(String.self, at: RemotePath(["ws", "batch"])), "user.sciencefs.refresh reaches the tree")
        XCTAssertNil(facts.value(String.self, at: .root), "and the source's batch list")
    }

    func testAStatAnsweredFromAnOldFactExpiresWithTheFact() throws {
        let clock = ManualClock()
        let backend = FactBackend(policy: policy)
        let vfs = try VFS(backends: [backend], store: try MetadataStore(directory: directory), dataCache: nil,
                          stagingDirectory: directory.appendingPathComponent("staging"), clock: clock,
                          logger: Logger(label: "test"))
        _ = try ino(vfs, "facts/d/f")
        XCTAssertEqual(backend.serverListings, 1, "f's stat fetched d's children once, kept as a fact of d")
        clock.advance(20)
        let g = try ino(vfs, "facts/d/g")
        XCTAssertEqual(backend.serverListings, 1, "g's stat came from the fact")
        clock.advance(11) // 31 s after the server said so: past the attribute TTL, though g was asked 11 s ago
        XCTAssertEqual(try vfs.getattr(g).size, 2)
        XCTAssertEqual(backend.serverListings, 2, "g's attributes were as old as the fact, so the server is asked again")
    }
}

/// A backend that answers a stat from its directory's children, which it keeps as a fact of the directory, as the
/// Rucio backend does with a dataset's children.
private final class FactBackend: Backend, @unchecked Sendable {
    let name = "facts"
    let cachePolicy: CachePolicy
    private let facts: AttachedFacts
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var listings = 0
    var serverListings: Int {
        lock.lock()
        defer { lock.unlock() }
        return listings
    }

    init(policy: CachePolicy) {
        cachePolicy = policy
        facts = AttachedFacts(source: name, policy: policy)
    }

    func attach(_ facts: NodeFacts) { self.facts.attach(facts) }

    private func children(of directory: RemotePath) -> [String: UInt64] {
        if let known = facts.value([String: UInt64].self, at: directory) { return known }
        lock.lock()
        listings += 1
        lock.unlock()
        let fetched = ["f": UInt64(1), "g": 2]
        facts.set(fetched, at: directory)
        return fetched
    }

    func stat(_ path: RemotePath) throws -> RemoteAttributes {
        if path.components == ["d"] { return .directory() }
        guard path.components.count == 2, let size = children(of: path.parent)[path.name] else { throw FSError.notFound }
        return RemoteAttributes(kind: .file, size: size)
    }

    func list(_ path: RemotePath) throws -> [RemoteEntry] {
        guard path.components == ["d"] else { throw FSError.notFound }
        return children(of: path).map { RemoteEntry(name: $0.key, attributes: RemoteAttributes(kind: .file, size: $0.value)) }
    }

    func read(_ path: RemotePath, offset: UInt64, length: UInt64, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        throw FSError.unsupported
    }
    func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes { throw FSError.readOnly }
    func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes { throw FSError.readOnly }
    func delete(_ path: RemotePath, kind: NodeKind) throws { throw FSError.readOnly }
    func rename(_ from: RemotePath, to: RemotePath) throws { throw FSError.readOnly }
}
