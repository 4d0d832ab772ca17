import Foundation

/// `MNT/.sciencefs/`: what sciencefs itself has to show. `transfers/` holds one read-only JSON file per server-side
/// job in the tracker's journal (FTS3 jobs, Agave imports, JDMA requests), named `<service>-<id>.json`. A backend
/// like any other, so the VFS needs no special cases; read-only.
final class ControlBackend: Backend, Sendable {
    static let sourceName = ".sciencefs"
    let name = ControlBackend.sourceName
    let cachePolicy = CachePolicy(attributeTTL: 1, listingTTL: 1, negativeTTL: 1)
    var isWritable: Bool { false }
    private let tracker: TransferTracker?
    private let started = Date()

    init(tracker: TransferTracker?) {
        self.tracker = tracker
    }

    /// Every job, by file name.
    private func documents() -> [String: Data] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var result: [String: Data] = [:]
        func add(_ record: TransferRecord, from source: String) {
            let safeID = record.id.map { $0 == "/" || $0 == "\u{0}" ? "_" : $0 }
            var data = (try? encoder.encode(TransferDocument(source: source, record: record))) ?? Data()
            data.append(0x0a)
            result["\(source)-\(String(safeID)).json"] = data
        }
        for job in tracker?.jobs() ?? [] { add(job.record, from: job.service) }
        return result
    }

    private func attributes(_ data: Data) -> RemoteAttributes {
        RemoteAttributes(kind: .file, size: UInt64(data.count), mtime: Date(), permissions: 0o444)
    }

    func stat(_ path: RemotePath) throws -> RemoteAttributes {
        switch path.components.count {
        case 0: return .directory(mtime: started, permissions: 0o555)
        case 1 where path.name == "transfers": return .directory(mtime: Date(), permissions: 0o555)
        case 2 where path.components[0] == "transfers":
            guard let data = documents()[path.name] else { throw FSError.notFound }
            return attributes(data)
        default: throw FSError.notFound
        }
    }

    func list(_ path: RemotePath) throws -> [RemoteEntry] {
        if path.isRoot { return [RemoteEntry(name: "transfers", attributes: .directory(mtime: Date(), permissions: 0o555))] }
        guard path.components == ["transfers"] else { throw FSError.notDirectory }
        return documents().sorted { $0.key < $1.key }.map { RemoteEntry(name: $0.key, attributes: attributes($0.value)) }
    }

    func read(_ path: RemotePath, offset: UInt64, length: UInt64,
              sink: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        guard path.components.count == 2, let data = documents()[path.name] else { throw FSError.notFound }
        let start = Int(min(offset, UInt64(data.count)))
        let end = Int(min(offset &+ length, UInt64(data.count)))
        guard start < end else { return 0 }
        try data[start..<end].withUnsafeBytes { try sink($0) }
        return UInt64(end - start)
    }

    func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes { throw FSError.readOnly }
    func makeDirectory(_ path: RemotePath) throws -> RemoteAttributes { throw FSError.readOnly }
    func delete(_ path: RemotePath, kind: NodeKind) throws { throw FSError.readOnly }
    func rename(_ from: RemotePath, to: RemotePath) throws { throw FSError.readOnly }
}

/// The JSON of one transfers file.
private struct TransferDocument: Encodable {
    var source: String
    var record: TransferRecord

    func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(source, forKey: .source)
    }

    enum Key: String, CodingKey { case source }
}
