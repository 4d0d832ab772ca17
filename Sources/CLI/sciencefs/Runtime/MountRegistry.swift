import Foundation

/// What a running mount daemon publishes about itself, so `unmount` and `status` can find it:
/// `<cache root>/mounts/<mount id>.json`.
struct MountRecord: Codable {
    var mountpoint: String
    var pid: Int32
    var cacheDirectory: String
    var configFile: String
    var startedAt: Date
}

enum MountRegistry {
    static func directory(root: URL) -> URL { root.appendingPathComponent("mounts") }

    static func write(_ record: MountRecord, id: String, root: URL) throws {
        let dir = directory(root: root)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: dir.appendingPathComponent("\(id).json"), options: .atomic)
    }

    static func remove(id: String, root: URL) {
        try? FileManager.default.removeItem(at: directory(root: root).appendingPathComponent("\(id).json"))
    }

    static func all(root: URL) -> [MountRecord] {
        let dir = directory(root: root)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "json" }.compactMap {
            guard let data = try? Data(contentsOf: $0) else { return nil }
            return try? decoder.decode(MountRecord.self, from: data)
        }
    }

    static func find(mountpoint: String, root: URL) -> MountRecord? {
        all(root: root).first { $0.mountpoint == mountpoint }
    }
}

func processIsAlive(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}
