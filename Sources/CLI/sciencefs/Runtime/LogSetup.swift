import Foundation
import Logging
import SciencefsCore

/// Where the daemon's log goes: stderr in the foreground, a file (or syslog) when it runs in the background.
enum LogDestination {
    case standardError
    case file(URL)
    case syslog
}

enum LogSetup {
    static func bootstrap(_ destination: LogDestination, debug: Bool, quietLevel: Logger.Level = .info) {
        let level: Logger.Level = debug ? .debug : quietLevel
        LoggingSystem.bootstrap { label in
            var handler: LogHandler
            switch destination {
            case .standardError: handler = StandardErrorLogHandler(label: label)
            case .file(let url): handler = FileLogHandler(label: label, url: url)
            case .syslog: handler = SyslogLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}

/// The handlers below keep their metadata in a `metadata` property; this gives them the subscript LogHandler asks for.
protocol MetadataSubscriptLogHandler: LogHandler {}

extension MetadataSubscriptLogHandler {
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}

/// Appends timestamped lines to a log file (created 0600).
struct FileLogHandler: MetadataSubscriptLogHandler {
    private let label: String
    private let stream: FileStream
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String, url: URL) {
        self.label = label
        self.stream = FileStream.shared(url)
    }

    func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        stream.write("\(stamp) \(event.level) \(label): \(LogLine.render(event.message, metadata.merging(event.metadata ?? [:]) { $1 }))\n")
    }
}

/// One append-mode descriptor per log file, shared by all handlers; `lock` serialises the writes to it.
final class FileStream: Sendable {
    private static let lock = NSLock()
    /// Guarded by the static `lock`.
    nonisolated(unsafe) private static var streams: [String: FileStream] = [:]
    private let fd: Int32
    private let lock = NSLock()

    private init(_ url: URL) {
        fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    }

    static func shared(_ url: URL) -> FileStream {
        lock.lock()
        defer { lock.unlock() }
        if let s = streams[url.path] { return s }
        let s = FileStream(url)
        streams[url.path] = s
        return s
    }

    func write(_ text: String) {
        guard fd >= 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
    }
}

/// Sends log lines to the system log (daemon facility).
struct SyslogLogHandler: MetadataSubscriptLogHandler {
    private let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
        openlog("sciencefs", LOG_PID, LOG_DAEMON)
    }

    func log(event: LogEvent) {
        let text = LogLine.render(event.message, metadata.merging(event.metadata ?? [:]) { $1 })
        let priority: Int32
        switch event.level {
        case .trace, .debug: priority = LOG_DEBUG
        case .info: priority = LOG_INFO
        case .notice: priority = LOG_NOTICE
        case .warning: priority = LOG_WARNING
        case .error: priority = LOG_ERR
        case .critical: priority = LOG_CRIT
        }
        text.withCString { cText in
            "%s".withCString { format in
                withVaList([cText]) { vsyslog(priority, format, $0) }
            }
        }
    }
}

/// One log line's text after the level: the message and the metadata sorted by key, every part escaped
/// (`LogText.escaped`), so that nothing a server sent can start a line of its own.
enum LogLine {
    static func render(_ message: Logger.Message, _ metadata: Logger.Metadata) -> String {
        var line = LogText.escaped(message.description, limit: 4 * LogText.maximumCharacters)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(LogText.escaped(key))=\(LogText.escaped(value.description))"
        }
        return line
    }
}

/// The foreground daemon's log (`-f`): timestamped lines on stderr, escaped like the file log.
struct StandardErrorLogHandler: MetadataSubscriptLogHandler {
    private let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let text = "\(stamp) \(event.level) \(label): \(LogLine.render(event.message, metadata.merging(event.metadata ?? [:]) { $1 }))\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
