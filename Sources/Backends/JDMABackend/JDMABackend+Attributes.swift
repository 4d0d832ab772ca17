import Foundation
import SciencefsCore

/// Extended attributes (`user.jdma.*`) and the submit trigger.
extension JDMABackend {
    /// Adds what changes while a file is open (the batch stage, the request serving it) to the listing's
    /// attributes: `user.jdma.batch_id`, `.stage`, `.storage`, `.external_id`, `.digest`, `.request_id`.
    /// `.request_id` is the GET retrieving the batch, else the PUT this daemon submitted for it.
    public func extendedAttributes(of path: RemotePath, attributes: RemoteAttributes) throws -> [String: String] {
        var xattrs = attributes.xattrs
        guard case .batch(let workspace, let batchName, _) = JDMALocation(path) else { return xattrs }
        if let pending = puts.batches.first(where: { $0.workspace == workspace && $0.label == batchName }),
           !pending.isSubmitted {
            xattrs["user.jdma.stage"] = "LOCAL"
            if let error = pending.lastError { xattrs["user.jdma.submit_error"] = error }
            return xattrs
        }
        guard let record = try? resolveRemoteBatch(workspace: workspace, name: batchName) else { return xattrs }
        xattrs.merge(batchXattrs(record)) { $1 }
        if let requestID = retrievals.retrieval(batchID: record.id)?.requestID {
            xattrs["user.jdma.request_id"] = String(requestID)
        } else if let requestID = puts.batches.first(where: { $0.batchID == record.id })?.requestID {
            xattrs["user.jdma.request_id"] = String(requestID)
        }
        return xattrs
    }

    /// `setfattr -n user.jdma.submit` on a local batch directory submits it (the value is ignored).
    public func setExtendedAttribute(of path: RemotePath, name attribute: String, value: String) throws {
        guard attribute == Self.submitAttribute else { throw FSError.unsupported }
        guard case .batch(let workspace, let label, let inside) = JDMALocation(path), inside.isEmpty else {
            throw FSError.invalidArgument("\(Self.submitAttribute) applies to a batch directory")
        }
        try submit(workspace: workspace, label: label)
    }
}
