import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A real nginx terminating TLS in front of the emulator's plain listener, because FTS3 clients authenticate
/// with client certificates: nginx verifies them against the test CA (`ssl_verify_client optional`, so token
/// users without a certificate get through too) and forwards the outcome and the certificate in headers,
/// together with a per-start secret that tells the listener the request really came through nginx.
///
/// nginx runs in the foreground as a single process (`master_process off`), so stopping it is one signal to
/// one PID and no worker can outlive it. Everything it writes (config, pid, temp files, error log) lives in
/// its own prefix directory. OpenSSL 3 refuses RFC 3820 proxies as TLS client certificates: clients present
/// a user certificate (or a token).
final class NginxFront {
    struct Settings {
        var executable: String
        /// nginx's prefix: `nginx.conf`, `error.log` and temp directories go here.
        var prefix: URL
        var certificatePath: String
        var keyPath: String
        /// PEM bundle of the CAs client certificates must chain to.
        var clientCAPath: String
        /// The plain listener on 127.0.0.1.
        var upstreamPort: Int
        var secret: String
        /// Start nginx through `setpriv --pdeathsig TERM`, so it ends when the thread that launched it does.
        var parentDeathSignal = false
    }

    static let setpriv = "/usr/bin/setpriv"

    enum LaunchError: Error, CustomStringConvertible {
        case notInstalled(String)
        case failed(String)

        var description: String {
            switch self {
            case .notInstalled(let path): return "nginx is not installed at \(path) (Debian: apt-get install nginx-light)"
            case .failed(let why): return "nginx did not start: \(why)"
            }
        }
    }

    let port: Int
    private let process: Process
    private let logger: Logger

    private init(port: Int, process: Process, logger: Logger) {
        self.port = port
        self.process = process
        self.logger = logger
    }

    /// Starts nginx on a free port of 127.0.0.1 and waits (up to 15 s) until it accepts connections. A port
    /// taken between choosing and binding it is retried with another one.
    static func launch(_ settings: Settings, logger: Logger) throws -> NginxFront {
        guard FileManager.default.isExecutableFile(atPath: settings.executable) else {
            throw LaunchError.notInstalled(settings.executable)
        }
        for directory in ["temp/body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi", "logs"] {
            try FileManager.default.createDirectory(at: settings.prefix.appendingPathComponent(directory),
                                                    withIntermediateDirectories: true)
        }
        var lastError = "no attempt"
        for _ in 0..<5 {
            let port = try FreePort.loopback()
            let errorLog = settings.prefix.appendingPathComponent("logs/error.log")
            try? FileManager.default.removeItem(at: errorLog)
            let configuration = settings.prefix.appendingPathComponent("nginx.conf")
            try Self.configuration(settings, port: port, errorLog: errorLog.path).write(to: configuration, atomically: true, encoding: .utf8)

            let process = Process()
            let arguments = ["-p", settings.prefix.path + "/", "-c", configuration.path, "-e", errorLog.path,
                             "-g", "daemon off;"]
            if settings.parentDeathSignal && FileManager.default.isExecutableFile(atPath: Self.setpriv) {
                // setpriv sets the signal and execs nginx: same PID, so stopping it stays one signal to one PID.
                process.executableURL = URL(fileURLWithPath: Self.setpriv)
                process.arguments = ["--pdeathsig", "TERM", "--", settings.executable] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: settings.executable)
                process.arguments = arguments
            }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()

            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, process.isRunning, !FreePort.isAccepting(port: port) {
                Thread.sleep(forTimeInterval: 0.02)
            }
            if process.isRunning, FreePort.isAccepting(port: port) {
                logger.debug("nginx TLS front started", metadata: ["port": "\(port)", "pid": "\(process.processIdentifier)"])
                return NginxFront(port: port, process: process, logger: logger)
            }
            if process.isRunning { Self.terminate(process) }
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            lastError = log.split(separator: "\n").suffix(5).joined(separator: "\n")
            if lastError.isEmpty { lastError = "exited with status \(process.terminationStatus) without a log" }
            guard log.contains("Address already in use") else { break }
        }
        throw LaunchError.failed(lastError)
    }

    /// Stops nginx (SIGTERM, then SIGKILL after 5 s) and waits for it to exit.
    func stop() {
        Self.terminate(process)
        logger.debug("nginx TLS front stopped", metadata: ["port": "\(port)"])
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The generated `nginx.conf`. Bodies are streamed both ways without size limits or buffering, and proxy
    /// timeouts are long, so big submissions and slow answers pass unchanged. The client identity headers are
    /// always set by nginx (an empty value drops the header), so a client cannot supply its own.
    static func configuration(_ settings: Settings, port: Int, errorLog: String) -> String {
        let temp = settings.prefix.appendingPathComponent("temp").path
        return """
        # Generated by the FTS3 emulator; rewritten on every start.
        master_process off;
        worker_processes 1;
        pid \(settings.prefix.appendingPathComponent("nginx.pid").path);
        error_log \(errorLog) warn;

        events {
            worker_connections 1024;
        }

        http {
            access_log off;
            client_body_temp_path \(temp)/body;
            proxy_temp_path \(temp)/proxy;
            fastcgi_temp_path \(temp)/fastcgi;
            uwsgi_temp_path \(temp)/uwsgi;
            scgi_temp_path \(temp)/scgi;

            server {
                listen 127.0.0.1:\(port) ssl;
                server_name localhost 127.0.0.1;

                ssl_certificate \(settings.certificatePath);
                ssl_certificate_key \(settings.keyPath);
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_client_certificate \(settings.clientCAPath);
                ssl_verify_client optional;
                ssl_verify_depth 5;

                client_max_body_size 0;
                proxy_request_buffering off;
                proxy_buffering off;
                proxy_http_version 1.1;
                proxy_connect_timeout 30s;
                proxy_send_timeout 1h;
                proxy_read_timeout 1h;
                send_timeout 1h;
                keepalive_timeout 75s;

                location / {
                    proxy_pass http://127.0.0.1:\(settings.upstreamPort);
                    proxy_set_header Host $http_host;
                    proxy_set_header Connection "";
                    proxy_set_header X-FTS3-Emulator-Front "\(settings.secret)";
                    proxy_set_header X-FTS3-Client-Verify $ssl_client_verify;
                    proxy_set_header X-FTS3-Client-Cert $ssl_client_escaped_cert;
                    proxy_set_header X-FTS3-Client-DN $ssl_client_s_dn;
                }
            }
        }

        """
    }
}
