import Foundation

/// A storage system the emulator serves; its `rootDir` is `<state>/systems/<id>` on the emulator's disk.
public struct TapisSystem: Sendable, Equatable {
    /// What the calling user may do on a system's files (docs/protocols/tapis.md §5.7).
    public enum Permission: String, Sendable {
        case read = "READ"
        case modify = "MODIFY"
    }

    public var id: String
    public var description: String
    public var host: String
    /// What every user of the tenant may do on its files.
    public var permission: Permission
    public var canExec: Bool
    public var created: Date

    public init(id: String, description: String, host: String, permission: Permission = .modify,
                canExec: Bool = false, created: Date = Date()) {
        self.id = id
        self.description = description
        self.host = host
        self.permission = permission
        self.canExec = canExec
        self.created = created
    }
}
