import BackendKit
import SciencefsCore

/// Where a mount path points inside an Agave source: the source root (holding `systems/` and `jobs/`), the
/// list of storage systems, a path on one system (`systems/<id>/a/b` → system `id`, path `["a","b"]`), or a
/// path below `jobs/` (the components after `jobs`, see `JobTreeLocation`).
enum AgaveLocation: Equatable {
    case root
    case systems
    case system(id: String, path: [String])
    case jobs([String])

    static let systemsDirectory = "systems"
    static let jobsDirectory = "jobs"

    init(_ path: RemotePath) throws {
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
    /// unknown top-level names) is not writable through Agave, and `jobs/` is read-only.
    static func forWriting(_ path: RemotePath) throws -> (id: String, path: [String]) {
        if case .jobs? = try? AgaveLocation(path) { throw FSError.readOnly }
        guard let location = try? AgaveLocation(path), case .system(let id, let components) = location else {
            throw FSError.permissionDenied
        }
        return (id, components)
    }

    /// A path on a system, or the error an operation on a synthetic directory deserves.
    func onSystem(orElse error: FSError) throws -> (id: String, path: [String]) {
        guard case .system(let id, let path) = self else { throw error }
        return (id, path)
    }
}
