import Foundation
import SciencefsCore

/// What `sciencefs cp` will do: files the transfer service copies server to server, and files that have to stream
/// through this machine (no transfer URL on one side, or a path outside any mount).
struct CopyPlan {
    struct StreamedFile {
        var from: String
        var to: String
    }

    var serverSide: [TrackedTransferFile] = []
    var streamed: [StreamedFile] = []

    enum PlanError: Error, CustomStringConvertible {
        case isDirectory(String)
        case notDirectory(String)
        case unreadable(String, Error)

        var description: String {
            switch self {
            case .isDirectory(let p): return "\(p) is a directory (use -r)"
            case .notDirectory(let p): return "target \(p) is not a directory"
            case .unreadable(let p, let e): return "cannot read \(p): \(e)"
            }
        }
    }

    /// Plans copying every path in `sources` to `destination`, as `cp [-r]` would lay the files out.
    /// `backends` are the mount's sources by name (nil: everything streams).
    static func make(sources: [String], destination: String, recursive: Bool, mounts: [MountRecord],
                     backends: [String: Backend]) throws -> CopyPlan {
        var plan = CopyPlan()
        var isDirectory: ObjCBool = false
        let destinationIsDirectory = FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory)
            && isDirectory.boolValue
        if sources.count > 1 && !destinationIsDirectory { throw PlanError.notDirectory(destination) }
        for source in sources {
            let leaf = URL(fileURLWithPath: MountLocator.absolutePath(source)).lastPathComponent
            let target = destinationIsDirectory ? (destination as NSString).appendingPathComponent(leaf) : destination
            try plan.add(source: source, target: target, recursive: recursive, mounts: mounts, backends: backends)
        }
        return plan
    }

    private mutating func add(source: String, target: String, recursive: Bool, mounts: [MountRecord],
                              backends: [String: Backend]) throws {
        let from = MountLocator.locate(source, in: mounts)
        let to = MountLocator.locate(target, in: mounts)
        // Both ends in the same mount, each in a source: ask the backends (no kernel round trips, real checksums).
        if let from, let to, from.record.mountpoint == to.record.mountpoint,
           let sourceBackend = from.sourceName.flatMap({ backends[$0] }),
           let targetBackend = to.sourceName.flatMap({ backends[$0] }) {
            let root = RemotePath(from.pathInSource)
            let attributes: RemoteAttributes
            do { attributes = try sourceBackend.stat(root) } catch { throw PlanError.unreadable(source, error) }
            let files: [(relative: [String], attributes: RemoteAttributes)]
            if attributes.kind == .directory {
                guard recursive else { throw PlanError.isDirectory(source) }
                files = try Self.walk(sourceBackend, root, display: source)
            } else {
                files = [([], attributes)]
            }
            for file in files {
                let sourcePath = RemotePath(from.pathInSource + file.relative)
                let targetPath = RemotePath(to.pathInSource + file.relative)
                if let planned = try? TransferPlanner.plan(source: sourceBackend, sourcePath: sourcePath,
                                                           attributes: file.attributes, destination: targetBackend,
                                                           destinationPath: targetPath) {
                    serverSide.append(planned)
                } else {
                    streamed.append(StreamedFile(from: Self.join(source, file.relative), to: Self.join(target, file.relative)))
                }
            }
            return
        }
        // Anything else streams through the filesystem.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw PlanError.unreadable(source, CocoaError(.fileNoSuchFile))
        }
        guard isDirectory.boolValue else {
            streamed.append(StreamedFile(from: source, to: target))
            return
        }
        guard recursive else { throw PlanError.isDirectory(source) }
        let enumerator = FileManager.default.enumerator(atPath: source)
        while let relative = enumerator?.nextObject() as? String {
            let path = (source as NSString).appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                streamed.append(StreamedFile(from: path, to: (target as NSString).appendingPathComponent(relative)))
            }
        }
    }

    /// Every file below `root`, depth first, with its path relative to `root`.
    private static func walk(_ backend: Backend, _ root: RemotePath,
                             display: String) throws -> [(relative: [String], attributes: RemoteAttributes)] {
        var result: [(relative: [String], attributes: RemoteAttributes)] = []
        var pending: [[String]] = [[]]
        while let relative = pending.popLast() {
            let entries: [RemoteEntry]
            do { entries = try backend.list(RemotePath(root.components + relative)) } catch {
                throw PlanError.unreadable(join(display, relative), error)
            }
            for entry in entries.sorted(by: { $0.name < $1.name }) {
                if entry.attributes.kind == .directory {
                    pending.append(relative + [entry.name])
                } else {
                    result.append((relative + [entry.name], entry.attributes))
                }
            }
        }
        return result
    }

    private static func join(_ base: String, _ relative: [String]) -> String {
        relative.reduce(base) { ($0 as NSString).appendingPathComponent($1) }
    }
}
