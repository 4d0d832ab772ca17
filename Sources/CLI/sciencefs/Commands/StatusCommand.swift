import ArgumentParser
import Foundation
import SciencefsCore
import SciencefsStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show mounts: sources, cache size and hit rate, pending uploads, transfer jobs.")

    @Option(name: .long, help: "Config file, to find its cache directory.")
    var config: String?

    @Argument(help: "Only this mountpoint.")
    var mountpoint: String?

    func run() throws {
        umask(0o077) // it opens the mount's SQLite journal, which may create -wal/-shm files
        var roots = [MountConfiguration.defaultCacheRoot]
        let configURL = URL(fileURLWithPath: config.map(expandTilde) ?? MountConfiguration.defaultPath.path)
        if let configuration = try? MountConfiguration.load(from: configURL) { roots.insert(configuration.cacheRoot, at: 0) }
        var records: [MountRecord] = []
        for root in roots { records += MountRegistry.all(root: root) }
        var seen = Set<String>()
        records = records.filter { seen.insert($0.mountpoint).inserted }
        if let mountpoint {
            let wanted = MountIdentity(mountpoint: mountpoint).mountpoint
            records = records.filter { $0.mountpoint == wanted }
            if records.isEmpty { throw ValidationError("no sciencefs mount at \(wanted)") }
        }
        if records.isEmpty {
            print("no sciencefs mounts")
            return
        }
        for record in records { print(describe(record)) }
    }

    private func describe(_ record: MountRecord) -> String {
        var lines = ["\(record.mountpoint)  (pid \(record.pid)\(processIsAlive(record.pid) ? "" : ", not running"))"]
        let statusURL = URL(fileURLWithPath: record.cacheDirectory).appendingPathComponent("status.json")
        if let data = try? Data(contentsOf: statusURL), let status = try? JSONDecoder().decode(VFS.Status.self, from: data) {
            let dataLookups = status.dataCacheHits + status.dataCacheMisses
            let metaLookups = status.metadataHits + status.metadataMisses
            lines.append("  sources:        \(status.sources.joined(separator: ", "))")
            lines.append("  data cache:     \(megabytes(status.dataCacheBytes)) of \(megabytes(status.dataCacheCapacity)), hit rate \(percent(status.dataCacheHits, dataLookups))")
            lines.append("  metadata cache: hit rate \(percent(status.metadataHits, metaLookups))")
            lines.append("  open files:     \(status.openHandles)")
            lines.append("  uploads:        \(status.uploadsInFlight) running, \(status.pendingUploads) pending, \(status.failedUploads) failed")
            lines += (status.reachability ?? []).map(Self.reachabilityLine)
            if let readahead = status.readahead {
                lines.append("  readahead:      \(megabytes(readahead.bytesInFlight)) of \(megabytes(readahead.budgetBytes)) in flight, \(readahead.running) running, \(readahead.queued) waiting")
            }
        }
        if let store = try? MetadataStore(directory: URL(fileURLWithPath: record.cacheDirectory)),
           let failed = try? store.uploads(in: [.failed, .staged, .uploading]) {
            for upload in failed {
                lines.append("    \(upload.state.rawValue): /\(upload.source)\(upload.path) (bytes kept in \(upload.stagingFile))\(upload.error.map { ": \($0)" } ?? "")")
            }
        }
        if let store = try? MetadataStore(directory: URL(fileURLWithPath: record.cacheDirectory)),
           let jobs = try? store.transferJobs(), !jobs.isEmpty {
            lines += TransferSummary.lines(jobs)
        }
        lines.append("  cache dir:      \(record.cacheDirectory)")
        return lines.joined(separator: "\n")
    }

    /// "  offline:        rucio since 2026-…Z (cause)" or "  back online:    rucio since 2026-…Z".
    static func reachabilityLine(_ source: SourceReachability) -> String {
        let format = ISO8601DateFormatter()
        if let since = source.offlineSince {
            let cause = source.cause.map { " (\(LogText.escaped($0, limit: 200)))" } ?? ""
            return "  offline:        \(source.source) since \(format.string(from: since))\(cause)"
        }
        let back = source.backOnlineAt.map { format.string(from: $0) } ?? "?"
        return "  back online:    \(source.source) since \(back)"
    }

    private func megabytes(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / 1048576) }

    private func percent(_ part: UInt64, _ whole: UInt64) -> String {
        whole == 0 ? "n/a" : String(format: "%.0f%%", 100 * Double(part) / Double(whole))
    }
}
