import Foundation
import SciencefsStore

/// The transfer lines of `sciencefs status`: counts by state, then every job not finished cleanly.
enum TransferSummary {
    static func lines(_ jobs: [TransferJobRecord]) -> [String] {
        var counts: [String: Int] = [:]
        for job in jobs { counts[job.state, default: 0] += 1 }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.lowercased())" }.joined(separator: ", ")
        var lines = ["  transfers:      \(summary)"]
        let terminalClean = ["FINISHED"]
        for job in jobs where !terminalClean.contains(job.state) {
            let files = (try? JSONSerialization.jsonObject(with: Data(job.files.utf8)) as? [Any])?.count ?? 0
            lines.append("    \(job.service) \(job.jobID): \(job.state), \(files) file(s)\(job.reason.map { ": \($0)" } ?? "")")
        }
        return lines
    }
}
