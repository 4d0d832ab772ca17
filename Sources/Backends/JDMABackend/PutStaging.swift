import Foundation

/// The put side of the staging directory: `<staging>/put/<workspace>/<label>/<relative path>` holds the files
/// copied into a new batch (per workspace, because labels are only unique within one), and `manifest.json` lists
/// the batches. Every change is written through before it returns.
final class PutStaging: @unchecked Sendable {
    let root: URL
    private let lock = NSLock()
    private var manifest: PutManifest
    /// Batches whose PUT is being posted right now (explicit submit and quiet-period submit may race).
    private var submitting: Set<String> = []

    var manifestURL: URL { root.appendingPathComponent("manifest.json") }

    init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        manifest = try PutManifest.load(from: root.appendingPathComponent("manifest.json"))
    }

    func batchDirectory(workspace: String, label: String) -> URL {
        root.appendingPathComponent(workspace, isDirectory: true).appendingPathComponent(label, isDirectory: true)
    }

    func fileURL(workspace: String, label: String, relative: String) -> URL {
        batchDirectory(workspace: workspace, label: label).appendingPathComponent(relative)
    }

    var batches: [PendingBatch] {
        lock.lock()
        defer { lock.unlock() }
        return manifest.batches
    }

    /// Changes the manifest and saves it; nothing changes when `body` or the save throws.
    func modify<R>(_ body: (inout PutManifest) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        var copy = manifest
        let result = try body(&copy)
        if copy != manifest {
            try copy.save(to: manifestURL)
            manifest = copy
        }
        return result
    }

    /// Claims the right to submit one batch; false when another thread is submitting it.
    func beginSubmit(_ key: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return submitting.insert(key).inserted
    }

    func endSubmit(_ key: String) {
        lock.lock()
        submitting.remove(key)
        lock.unlock()
    }
}

/// Runs a block every `interval` seconds on a background queue until cancelled (the quiet-period submitter).
final class RepeatingTimer: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    init(interval: TimeInterval, label: String, _ block: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler(handler: block)
        timer.resume()
    }

    func cancel() { timer.cancel() }

    deinit { timer.cancel() }
}

/// Holds the quiet-period timer, set once after the backend is fully initialised.
final class QuietTimerSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var timer: RepeatingTimer?

    func set(_ timer: RepeatingTimer) {
        lock.lock()
        self.timer = timer
        lock.unlock()
    }

    func cancel() {
        lock.lock()
        timer?.cancel()
        timer = nil
        lock.unlock()
    }
}
