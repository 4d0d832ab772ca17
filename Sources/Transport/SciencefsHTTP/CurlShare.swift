import CCurl
import Foundation

/// A libcurl share handle: DNS cache and TLS sessions (optionally the connection cache) shared by every easy
/// handle of one client, so a new handle can skip the DNS lookup and TLS handshake work of the others.
///
/// libcurl calls the lock callbacks from whatever thread runs a transfer; one mutex per data kind. `@unchecked
/// Sendable` because the share handle is an `OpaquePointer`: libcurl guards the shared data through those callbacks
/// (`locks`, one per `curl_lock_data` kind), and both stored properties are `let`.
final class CurlShare: @unchecked Sendable {
    let handle: OpaquePointer?
    private let locks: [NSLock]

    init(shareConnections: Bool) {
        CurlGlobal.ensureInitialised()
        locks = (0..<16).map { _ in NSLock() }
        handle = curl_share_init().map(OpaquePointer.init)
        guard let handle else { return }
        let unmanaged = Unmanaged.passUnretained(self).toOpaque()
        sciencefs_curl_share_setopt_pointer(UnsafeMutableRawPointer(handle), CURLSHOPT_USERDATA, unmanaged)
        sciencefs_curl_share_setopt_lock(UnsafeMutableRawPointer(handle)) { _, data, _, userptr in
            guard let userptr else { return }
            Unmanaged<CurlShare>.fromOpaque(userptr).takeUnretainedValue().lock(data)
        }
        sciencefs_curl_share_setopt_unlock(UnsafeMutableRawPointer(handle)) { _, data, userptr in
            guard let userptr else { return }
            Unmanaged<CurlShare>.fromOpaque(userptr).takeUnretainedValue().unlock(data)
        }
        sciencefs_curl_share_setopt_long(UnsafeMutableRawPointer(handle), CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
        sciencefs_curl_share_setopt_long(UnsafeMutableRawPointer(handle), CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
        if shareConnections {
            sciencefs_curl_share_setopt_long(UnsafeMutableRawPointer(handle), CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_CONNECT.rawValue))
        }
    }

    deinit {
        if let handle { curl_share_cleanup(UnsafeMutableRawPointer(handle)) }
    }

    private func lock(_ data: curl_lock_data) { locks[Int(data.rawValue) % locks.count].lock() }
    private func unlock(_ data: curl_lock_data) { locks[Int(data.rawValue) % locks.count].unlock() }
}
