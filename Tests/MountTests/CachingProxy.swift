import Foundation

/// A real caching HTTP forward proxy on 127.0.0.1, as a site runs one in front of its compute nodes (docs/SITE-CACHE.md):
/// nginx with `proxy_cache`, started as the test's own process with its config and cache in a temp directory, stopped
/// by PID. The access log says, per request, whether the cache answered (`HIT`) or asked the storage (`MISS`).
final class CachingProxy {
    private let process: Process
    let port: Int
    private let accessLog: URL

    init(directory: URL) throws {
        let nginx = "/usr/sbin/nginx"
        guard FileManager.default.isExecutableFile(atPath: nginx) else {
            throw FixtureError("nginx is not installed (apt-get install nginx-light)")
        }
        let temp = directory.appendingPathComponent("temp").path
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        port = try TLSFront.freePort()
        accessLog = directory.appendingPathComponent("access.log")
        // A forward proxy: the client sends absolute URLs, nginx fetches them from the host they name. With
        // `proxy_cache` on, nginx drops the client's Range header towards the storage, fetches and caches the whole
        // file once, and answers every range (this one and later ones) from the cache: ranged reads are cached.
        // `proxy_cache_lock` makes concurrent misses of one file (readahead) wait for that one fetch. The key leaves
        // the Authorization header out: replicas are immutable files, the same bytes for every reader.
        let config = TLSFront.nginxConfig(directory: directory, http: """
                log_format cache '$upstream_cache_status $request_method $uri $http_range';
                access_log \(accessLog.path) cache;
                proxy_cache_path \(directory.appendingPathComponent("cache").path) levels=1:2 keys_zone=site:10m
                                 max_size=1g inactive=7d use_temp_path=off;
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        proxy_pass http://$http_host;
                        proxy_http_version 1.1;
                        proxy_cache site;
                        proxy_cache_key $scheme://$http_host$request_uri;
                        proxy_cache_valid 200 7d;
                        proxy_cache_lock on;
                        proxy_cache_lock_timeout 60s;
                        proxy_ignore_headers Cache-Control Expires Set-Cookie Vary;
                    }
                }
            """)
        let configURL = directory.appendingPathComponent("nginx.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", directory.path + "/", "-c", configURL.path,
                             "-e", directory.appendingPathComponent("error.log").path, "-g", "daemon off;"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, process.isRunning, !TLSFront.isAccepting(port) { usleep(20_000) }
        guard process.isRunning else {
            throw FixtureError("nginx exited: \((try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? "")")
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// One line per request the proxy answered: "MISS GET /path bytes=0-1048575" (cache status, method, path, range).
    var requests: [String] {
        ((try? String(contentsOf: accessLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
