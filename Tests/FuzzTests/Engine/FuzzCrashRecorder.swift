import Foundation

/// Saves the input being parsed when the process dies (a Swift trap, a stack overflow, a hang), so the crash can
/// be reproduced and minimized: the fuzz loop publishes a pointer to each input before parsing it; on SIGILL,
/// SIGTRAP, SIGSEGV, SIGBUS, SIGFPE or SIGABRT a handler on an alternate stack (a stack overflow leaves no room on
/// the normal one) writes it to a file opened in advance and prints where, then lets the signal kill the process
/// as before. Only async-signal-safe calls are made in the handler. A watchdog thread does the same, then aborts,
/// when one input has run for `hangLimit` seconds.
///
/// One recorder is active at a time (test methods run one after another).
///
/// The state below is `nonisolated(unsafe)`: a signal handler reads it, and no lock may be taken there. The fuzz loop
/// writes it under `lock` (the watchdog reads it under `lock` too); the handler reads it only while the process dies.
enum FuzzCrashRecorder {
    nonisolated(unsafe) private static var input: UnsafeRawBufferPointer?
    nonisolated(unsafe) private static var fd: Int32 = -1
    /// One prepared message per target (no formatting is safe inside a signal handler).
    nonisolated(unsafe) private static var messages: [[CChar]] = []
    nonisolated(unsafe) private static var target = 0
    nonisolated(unsafe) private static var installed = false
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started = DispatchTime.now().uptimeNanoseconds
    nonisolated(unsafe) private static var generation = 0

    /// The file a crashing input is written to for `family`.
    static func crashFile(family: String) -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sciencefs-fuzz-crash-\(family).bin")
    }

    static func begin(family: String, targets: [String], seedText: String, hangLimit: TimeInterval) {
        let url = crashFile(family: family)
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        messages = targets.map { name in
            Array(("\nfuzz: \(family)/\(name) died on an input (seed \(seedText)); it is saved in \(url.path)\n"
                   + "replay: SCIENCEFS_FUZZ_REPLAY=\(url.path) SCIENCEFS_FUZZ_TARGET=\(name)\n").utf8CString)
        }
        if !installed {
            installed = true
            installAlternateStack()
            for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] { installHandler(signal) }
        }
        startWatchdog(hangLimit: hangLimit)
    }

    static func end() {
        lock.withLock { generation += 1; input = nil }
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Runs `body` with `bytes` published as the current input of target number `target`.
    static func whileParsing<R>(_ bytes: UnsafeRawBufferPointer, target: Int, _ body: () throws -> R) rethrows -> R {
        lock.withLock {
            input = bytes
            self.target = target
            started = DispatchTime.now().uptimeNanoseconds
        }
        defer { lock.withLock { input = nil } }
        return try body()
    }

    private static func saveInput() {
        guard fd >= 0 else { return }
        if messages.indices.contains(target) {
            _ = messages[target].withUnsafeBufferPointer { write(2, $0.baseAddress, max(0, $0.count - 1)) }
        }
        if let input, let base = input.baseAddress {
            _ = ftruncate(fd, 0)
            _ = pwrite(fd, base, input.count, 0)
        }
        _ = fsync(fd)
    }

    private static func installAlternateStack() {
        let size = 1 << 20
        var stack = stack_t()
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        stack.ss_size = size
        stack.ss_flags = 0
        sigaltstack(&stack, nil)
    }

    private static func installHandler(_ signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            FuzzCrashRecorder.saveInput()
            // SA_RESETHAND restored the default action: re-raise so the process dies as it would have.
            raise(signal)
        }
        action.sa_flags = Int32(bitPattern: UInt32(SA_ONSTACK) | UInt32(SA_RESETHAND) | UInt32(SA_NODEFER))
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
    }

    private static func startWatchdog(hangLimit: TimeInterval) {
        let mine = lock.withLock { generation }
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                let hung: Bool = lock.withLock {
                    guard generation == mine else { return false }
                    return input != nil && Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 > hangLimit
                }
                if lock.withLock({ generation != mine }) { return }
                if hung {
                    lock.withLock { saveInput() }
                    FileHandle.standardError.write(Data("fuzz: one input ran for more than \(Int(hangLimit)) s: treated as a hang\n".utf8))
                    abort()
                }
            }
        }
        thread.start()
    }
}
