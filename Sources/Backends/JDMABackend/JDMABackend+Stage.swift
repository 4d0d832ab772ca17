import Foundation
import SciencefsCore

/// `sciencefs stage` on JDMA: the GET request of each batch the files belong to, the same request the first read of a
/// batch makes (JDMABackend+Read), submitted without waiting for it. The tracker follows it (`GET-<id>` in
/// `.sciencefs/transfers/`); a batch staged before (its completion marker is there) asks for nothing.
extension JDMABackend {
    public func stage(_ path: RemotePath, files: [StageFile], target: String?) throws -> StageAnswer {
        if let target { throw FSError.invalidArgument("JDMA source \(name) has no storage location \(target) to stage to") }
        var batchesSeen = Set<[String]>()
        var started: [String] = []
        for file in files {
            guard case .batch(let workspace, let batchName, let inside) = JDMALocation(file.path), !inside.isEmpty,
                  batchesSeen.insert([workspace, batchName]).inserted else { continue }
            do {
                try prepareRead(file.path, attributes: file.attributes, nonBlocking: true)
            } catch FSError.wouldBlock {
                // The GET was submitted (or one was already running): name its job.
                let record = try mapErrors("stage", file.path) { try resolveRemoteBatch(workspace: workspace, name: batchName) }
                if let requestID = retrievals.retrieval(batchID: record.id)?.requestID {
                    started.append(JDMARequests.jobID(.get, requestID))
                }
            }
        }
        return started.isEmpty ? .ready : .jobs(started)
    }
}
