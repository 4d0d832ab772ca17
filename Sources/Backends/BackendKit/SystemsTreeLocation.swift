import SciencefsCore

/// Where a mount path points inside an Agave or Tapis source: the source root (holding `systems/` and `jobs/`), the
/// list of storage systems, a path on one system (`systems/<id>/a/b` → system `id`, path `["a","b"]`), or a
/// path below `jobs/` (the components after `jobs`, see `JobTreeLocation`).
public enum SystemsTreeLocation: Equatable, Sendable {
    case root
    case systems
    case system(id: String, path: [String])
    case jobs([String])

    public static let systemsDirectory = "systems"
    public static let jobsDirectory = "jobs"

    public init(_ path: RemotePath) throws {
        let c = path.components
        guard let first = c.first else {
            self = .root
            return
        }
        if first == Self.jobsDirectory {
            self = .jobs(Array(c.dropFirst()))
            return
        }
        guard first == Self.systemsDirectory else { throw FSError.notFound }
        if c.count == 1 {
            self = .systems
        } else {
            self = .system(id: c[1], path: Array(c.dropFirst(2)))
        }
    }

    /// The system path a write operation targets; everything above the systems (the source root, `systems/`,
    /// unknown top-level names) is not writable through the service, and `jobs/` is read-only.
    public static func forWriting(_ path: RemotePath) throws -> (id: String, path: [String]) {
        if case .jobs? = try? SystemsTreeLocation(path) { throw FSError.readOnly }
        guard let location = try? SystemsTreeLocation(path), case .system(let id, let components) = location else {
            throw FSError.permissionDenied
        }
        return (id, components)
    }

    /// A path on a system, or the error an operation on a synthetic directory deserves.
    public func onSystem(orElse error: FSError) throws -> (id: String, path: [String]) {
        guard case .system(let id, let path) = self else { throw error }
        return (id, path)
    }
}
