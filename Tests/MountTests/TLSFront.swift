import Foundation

/// A real nginx terminating TLS (with the test PKI's server certificate, which no system trusts) in front of
/// plain emulators: one HTTPS port per upstream. Lives only as long as the test; one PID, stopped by PID.
final class TLSFront {
    private let process: Process
    /// upstream port → the HTTPS port that forwards to it.
    let ports: [Int: Int]

    init(upstreams: [Int], certificate: URL, key: URL, directory: URL) throws {
        let nginx = "/usr/sbin/nginx"
        guard FileManager.default.isExecutableFile(atPath: nginx) else {
            throw FixtureError("nginx is not installed (apt-get install nginx-light)")
        }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("temp"), withIntermediateDirectories: true)
        var ports: [Int: Int] = [:]
        for upstream in upstreams { ports[upstream] = try Self.freePort() }
        self.ports = ports
        let servers = ports.map { upstream, port in
            """
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(certificate.path);
                    ssl_certificate_key \(key.path);
                    location / {
                        proxy_pass http://127.0.0.1:\(upstream);
                        proxy_http_version 1.1;
                        proxy_set_header Host $http_host;
                        proxy_buffering off;
                        proxy_request_buffering off;
                        client_max_body_size 0;
                    }
                }
            """
        }.joined(separator: "\n")
        let config = Self.nginxConfig(directory: directory, http: """
                access_log off;
            \(servers)
            """)
        let configURL = directory.appendingPathComponent("nginx.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", directory.path + "/", "-c", configURL.path, "-e", directory.appendingPathComponent("error.log").path,
                             "-g", "daemon off;"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, process.isRunning, !ports.values.allSatisfy(Self.isAccepting) { usleep(20_000) }
        guard process.isRunning else { throw FixtureError("nginx exited: \((try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? "")") }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// An nginx config for a test's own nginx in `directory` (no master process, pid and logs there, temp files
    /// under `directory/temp`), with `http` inside its `http` block.
    static func nginxConfig(directory: URL, http: String) -> String {
        let temp = directory.appendingPathComponent("temp").path
        return """
            master_process off;
            worker_processes 1;
            pid \(directory.appendingPathComponent("nginx.pid").path);
            error_log \(directory.appendingPathComponent("error.log").path) warn;
            events { worker_connections 256; }
            http {
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
            \(http)
            }
            """
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FixtureError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isAccepting(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
