import CCurl

/// `curl_global_init` must run once, before any other libcurl call and not concurrently with one.
/// A Swift global is initialised lazily and exactly once (thread-safe), which gives us that guarantee.
enum CurlGlobal {
    private static let initialised: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    static func ensureInitialised() {
        _ = initialised
    }
}
