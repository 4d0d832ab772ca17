import CCurl
import Foundation

/// Runs one attempt of a request on one easy handle: sets every option, performs, frees what it allocated.
/// The retry policy lives in `HTTPClient`; this type knows libcurl options only.
struct CurlAttempt {
    let handle: UnsafeMutableRawPointer
    let configuration: HTTPClientConfiguration

    struct Outcome {
        var code: CURLcode
        /// Body bytes libcurl sent: tells whether a non-idempotent request may have reached the server.
        var bytesUploaded: Int64
        /// Why a streamed body stopped the request (its source threw or was abandoned), if it did.
        var bodyError: Error?
    }

    func run(_ request: HTTPRequest, range: ByteRange?, state: TransferState) throws -> Outcome {
        var resources = AttemptResources()
        defer { resources.release() }

        setString(CURLOPT_URL, request.url)
        setLong(CURLOPT_PATH_AS_IS, 1) // never resolve `/../` in a path: it is a name, already escaped
        setLong(CURLOPT_NOSIGNAL, 1) // required with threads: no SIGALRM-based DNS timeouts
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setString(CURLOPT_USERAGENT, configuration.userAgent)
        sciencefs_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, state.errorBuffer)
        setTimeouts(request)
        setTLS()
        setProxy()

        var headers = request.headers
        headers.set("Expect", "") // no 100-continue round trip before uploads
        if let token = request.bearerToken {
            headers.set("Authorization", "Bearer \(token)")
        } else if let basic = request.basicAuth {
            headers.set("Authorization", "Basic " + Data("\(basic.user):\(basic.password)".utf8).base64EncodedString())
        }
        if let range {
            switch request.rangeForm {
            case .http: headers.set("Range", range.headerValue)
            case .tapis: headers.set("range", range.tapisValue)
            }
        }

        try setMethodAndBody(request, headers: &headers, resources: &resources)

        for field in headers {
            // "Name;" is libcurl's way to send a header with an empty value; "Name:" removes it.
            let line = field.value.isEmpty ? "\(field.name):" : "\(field.name): \(field.value)"
            resources.headerList = curl_slist_append(resources.headerList, line)
        }
        sciencefs_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, resources.headerList)

        let userdata = Unmanaged.passUnretained(state).toOpaque()
        sciencefs_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, TransferCallbacks.header)
        sciencefs_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata)
        sciencefs_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, TransferCallbacks.write)
        // Hand the body over in pieces of up to 256 KiB rather than libcurl's 16 KiB: each piece costs a callback,
        // a lock and a cache write downstream, so large reads spend less time per byte on bookkeeping.
        setLong(CURLOPT_BUFFERSIZE, 256 << 10)
        // Likewise for request bodies (uploads): libcurl reads and sends 64 KiB at a time unless told otherwise.
        setLong(CURLOPT_UPLOAD_BUFFERSIZE, 1 << 20)
        sciencefs_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata)

        let code = withExtendedLifetime(state) { curl_easy_perform(handle) }
        var uploaded: curl_off_t = 0
        sciencefs_curl_getinfo_off(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded)
        return Outcome(code: code, bytesUploaded: Int64(uploaded), bodyError: resources.streamReader?.error)
    }

    private func setTimeouts(_ request: HTTPRequest) {
        setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        // A streamed body waits for its writer inside the read callback, and libcurl's low-speed check would count
        // that wait as a stalled server: `StreamedBodyReader` checks stalls for it, counting only the server's time.
        if configuration.lowSpeedLimit > 0 && configuration.lowSpeedTime > 0 && request.body.isReplayable {
            setLong(CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedLimit)
            setLong(CURLOPT_LOW_SPEED_TIME, max(1, Int(configuration.lowSpeedTime.rounded(.up))))
        }
        if let total = request.timeout ?? configuration.requestTimeout {
            setLong(CURLOPT_TIMEOUT_MS, Int(total * 1000))
        }
    }

    /// A configured proxy wins over libcurl's environment variables; without one they apply as they always did.
    private func setProxy() {
        guard let proxy = configuration.proxy else { return }
        setString(CURLOPT_PROXY, proxy.url)
        if let noProxy = proxy.noProxy { setString(CURLOPT_NOPROXY, noProxy) }
    }

    private func setTLS() {
        let tls = configuration.tls
        setLong(CURLOPT_SSL_VERIFYPEER, tls.verifyPeer ? 1 : 0)
        setLong(CURLOPT_SSL_VERIFYHOST, tls.verifyPeer ? 2 : 0)
        if let path = tls.caBundlePath { setString(CURLOPT_CAINFO, path) }
        if let path = tls.caDirectory { setString(CURLOPT_CAPATH, path) }
        if let path = tls.clientCertificatePath {
            setString(CURLOPT_SSLCERT, path)
            setString(CURLOPT_SSLCERTTYPE, "PEM")
            setString(CURLOPT_SSLKEY, tls.clientKeyPath ?? path)
            setString(CURLOPT_SSLKEYTYPE, "PEM")
        }
    }

    private func setMethodAndBody(_ request: HTTPRequest, headers: inout HTTPHeaders,
                                  resources: inout AttemptResources) throws {
        let method = request.method
        switch request.body {
        case .none:
            if method == .head {
                setLong(CURLOPT_NOBODY, 1)
            } else if method == .get {
                setLong(CURLOPT_HTTPGET, 1)
            } else {
                setString(CURLOPT_CUSTOMREQUEST, method.rawValue)
                if method == .post || method == .put {
                    setOff(CURLOPT_POSTFIELDSIZE_LARGE, 0)
                    setString(CURLOPT_COPYPOSTFIELDS, "")
                }
            }
        case .data(let data, let contentType):
            headers.set("Content-Type", contentType)
            setOff(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(data.count))
            if data.isEmpty {
                setString(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                // COPYPOSTFIELDS copies the bytes, so `data` need not outlive this call.
                data.withUnsafeBytes { raw in
                    _ = sciencefs_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
                }
            }
            if method != .post { setString(CURLOPT_CUSTOMREQUEST, method.rawValue) }
        case .file(let url, let contentType):
            headers.set("Content-Type", contentType ?? "application/octet-stream")
            let size = try Self.fileSize(url)
            guard let file = fopen(url.path, "rb") else {
                throw HTTPError.invalidRequest("cannot open \(url.path): \(String(cString: strerror(errno)))")
            }
            resources.file = file
            // With no READFUNCTION set, libcurl fread()s READDATA as a FILE*: streamed, never loaded whole.
            sciencefs_curl_setopt_pointer(handle, CURLOPT_READDATA, UnsafeMutableRawPointer(file))
            if method == .put {
                setLong(CURLOPT_UPLOAD, 1)
                setOff(CURLOPT_INFILESIZE_LARGE, curl_off_t(size))
            } else {
                setLong(CURLOPT_POST, 1)
                setOff(CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size))
                if method != .post { setString(CURLOPT_CUSTOMREQUEST, method.rawValue) }
            }
        case .multipart(let form):
            guard let mime = curl_mime_init(handle) else { throw HTTPError.invalidRequest("curl_mime_init failed") }
            resources.mime = mime
            for part in form.parts {
                guard let mimePart = curl_mime_addpart(mime) else { throw HTTPError.invalidRequest("curl_mime_addpart failed") }
                switch part {
                case .field(let name, let value):
                    curl_mime_name(mimePart, name)
                    curl_mime_data(mimePart, value, Int(CURL_ZERO_TERMINATED))
                case .file(let name, let url, let filename, let contentType):
                    _ = try Self.fileSize(url) // fail early and clearly on a missing file
                    curl_mime_name(mimePart, name)
                    // filedata streams the file from disk while sending.
                    guard curl_mime_filedata(mimePart, url.path) == CURLE_OK else {
                        throw HTTPError.invalidRequest("cannot read \(url.path)")
                    }
                    curl_mime_filename(mimePart, filename ?? url.lastPathComponent)
                    curl_mime_type(mimePart, contentType ?? "application/octet-stream")
                case .stream(let name, let body, let filename, let contentType):
                    guard resources.streamReader == nil else {
                        throw HTTPError.invalidRequest("a request may carry one streamed part")
                    }
                    let stallLimit = configuration.lowSpeedLimit > 0 && configuration.lowSpeedTime > 0
                        ? configuration.lowSpeedTime : nil
                    let reader = StreamedBodyReader(body, stallLimit: stallLimit)
                    resources.streamReader = reader
                    curl_mime_name(mimePart, name)
                    // Size -1: unknown, so libcurl sends the body with chunked transfer encoding, pulling the bytes
                    // through the callback as it goes.
                    let set = curl_mime_data_cb(mimePart, -1, StreamedBodyReader.read, nil, nil, reader.userdata)
                    guard set == CURLE_OK else {
                        throw HTTPError.invalidRequest("curl_mime_data_cb failed")
                    }
                    if let filename { curl_mime_filename(mimePart, filename) }
                    curl_mime_type(mimePart, contentType ?? "application/octet-stream")
                    // The progress callback runs while libcurl waits on the network: it ends the request once the
                    // body is abandoned, even if the server has stopped taking bytes.
                    setLong(CURLOPT_NOPROGRESS, 0)
                    sciencefs_curl_setopt_xferinfo_callback(handle, StreamedBodyReader.progress)
                    sciencefs_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, reader.userdata)
                }
            }
            sciencefs_curl_setopt_pointer(handle, CURLOPT_MIMEPOST, UnsafeMutableRawPointer(mime))
            if method != .post { setString(CURLOPT_CUSTOMREQUEST, method.rawValue) }
        }
    }

    static func fileSize(_ url: URL) throws -> UInt64 {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw HTTPError.invalidRequest("cannot read \(url.path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw HTTPError.invalidRequest("\(url.path) is not a regular file") }
        return UInt64(info.st_size)
    }

    private func setLong(_ option: CURLoption, _ value: Int) { sciencefs_curl_setopt_long(handle, option, value) }
    private func setOff(_ option: CURLoption, _ value: curl_off_t) { sciencefs_curl_setopt_off(handle, option, value) }
    /// libcurl copies string options (since 7.17), so a temporary C string is enough.
    private func setString(_ option: CURLoption, _ value: String) { sciencefs_curl_setopt_string(handle, option, value) }
}

/// C resources that must live until `curl_easy_perform` returns.
private struct AttemptResources {
    var headerList: UnsafeMutablePointer<curl_slist>?
    var mime: OpaquePointer?
    var file: UnsafeMutablePointer<FILE>?
    /// The source of a streamed part, which libcurl's callbacks reach by an unretained pointer.
    var streamReader: StreamedBodyReader?

    mutating func release() {
        if let headerList { curl_slist_free_all(headerList) }
        if let mime { curl_mime_free(mime) }
        if let file { fclose(file) }
        headerList = nil
        mime = nil
        file = nil
        streamReader = nil
    }
}
