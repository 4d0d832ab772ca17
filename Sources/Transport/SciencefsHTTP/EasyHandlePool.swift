import CCurl
import Foundation

/// Reusable libcurl easy handles. A handle keeps its open connections between transfers, so reusing one
/// gives keep-alive. Each in-flight request owns one handle exclusively, so a slow transfer never blocks
/// another thread; the pool only bounds how many idle handles are kept. `@unchecked Sendable` because `lock`
/// guards `idle` (raw pointers); a handle taken out of it belongs to one request until it is put back.
final class EasyHandlePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []
    private let maxIdle: Int
    private let share: CurlShare

    init(maxIdle: Int, share: CurlShare) {
        self.maxIdle = maxIdle
        self.share = share
    }

    deinit {
        for handle in idle { curl_easy_cleanup(handle) }
    }

    /// A handle with default options, attached to the share (`curl_easy_reset` keeps that attachment); nil only if libcurl cannot allocate one.
    func checkOut() -> UnsafeMutableRawPointer? {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        if let reused { return reused }
        CurlGlobal.ensureInitialised()
        guard let fresh = curl_easy_init() else { return nil }
        if let shared = share.handle {
            sciencefs_curl_setopt_pointer(fresh, CURLOPT_SHARE, UnsafeMutableRawPointer(shared))
        }
        return fresh
    }

    /// Returns a handle after its transfer; options are reset (connections, DNS and TLS caches survive).
    func checkIn(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        lock.lock()
        if idle.count < maxIdle {
            idle.append(handle)
            lock.unlock()
        } else {
            lock.unlock()
            curl_easy_cleanup(handle)
        }
    }
}
