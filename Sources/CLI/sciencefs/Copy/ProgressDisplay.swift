import CLISupport
import Foundation
import SciencefsCore

/// Live progress of `sciencefs cp`: one line per job (state, files, bytes, a bar). On a terminal the lines are
/// redrawn in place; otherwise (a pipe, a log) a line is printed whenever a job's figures change.
final class ProgressDisplay {
    private let interactive: Bool
    private var order: [String] = []
    private var lines: [String: String] = [:]
    private var drawnLines = 0

    init(interactive: Bool = isatty(STDOUT_FILENO) == 1) {
        self.interactive = interactive
    }

    func update(_ job: TrackedJob) {
        let line = Self.line(job)
        if lines[job.jobID] == nil { order.append(job.jobID) }
        guard lines[job.jobID] != line else { return }
        lines[job.jobID] = line
        if interactive {
            redraw()
        } else {
            print(line)
            fflush(standardOutputStream)
        }
    }

    private func redraw() {
        var output = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
        for id in order { output += "\r\u{1B}[2K" + (lines[id] ?? "") + "\n" }
        drawnLines = order.count
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    static func line(_ job: TrackedJob) -> String {
        let total = max(job.bytesTotal, 1)
        let fraction = min(1, Double(job.bytesTransferred) / Double(total))
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let id = job.jobID
        return "\(job.service) \(id)  \(job.state.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) "
            + "\(job.filesFinished)/\(job.files.count) files  "
            + "\(mebibytes(job.bytesTransferred))/\(mebibytes(job.bytesTotal)) MiB  [\(bar)] \(Int(fraction * 100))%"
    }

    private static func mebibytes(_ bytes: UInt64) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
}
