import Foundation

/// A storage system the emulator serves; its `rootDir` is `<state>/systems/<id>`.
public struct StorageSystem: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    /// Whether this is the user's default storage system (used by the `/files/v2/media/{path}` variants).
    public var isDefault: Bool
    public var isPublic: Bool
    /// Milliseconds since 1970, reported as `lastModified`.
    public var created: Double

    public init(id: String, name: String, description: String, isDefault: Bool = false, isPublic: Bool = false,
                created: Date = Date()) {
        self.id = id
        self.name = name
        self.description = description
        self.isDefault = isDefault
        self.isPublic = isPublic
        self.created = (created.timeIntervalSince1970 * 1000).rounded()
    }
}

/// The set of systems, persisted to `<state>/systems.json` so a restarted emulator serves the same tenant.
/// Thread-safe.
final class SystemRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var systems: [StorageSystem] = []
    private let file: URL

    init(stateDirectory: URL) throws {
        file = stateDirectory.appendingPathComponent("systems.json")
        if let data = try? Data(contentsOf: file) {
            systems = try JSONDecoder().decode([StorageSystem].self, from: data)
        }
    }

    var all: [StorageSystem] { lock.withLock { systems } }

    func system(id: String) -> StorageSystem? { lock.withLock { systems.first { $0.id == id } } }

    /// The default storage system: the one marked default, else the first registered.
    var defaultSystem: StorageSystem? { lock.withLock { systems.first { $0.isDefault } ?? systems.first } }

    /// Adds or replaces the system with the same id and saves the registry.
    func upsert(_ system: StorageSystem) throws {
        let snapshot: [StorageSystem] = lock.withLock {
            if let index = systems.firstIndex(where: { $0.id == system.id }) {
                systems[index] = system
            } else {
                systems.append(system)
            }
            return systems
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(snapshot).write(to: file, options: .atomic)
    }
}
