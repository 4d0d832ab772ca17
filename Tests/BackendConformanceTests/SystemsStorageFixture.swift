import EmulatorSupport
import Foundation
import Logging
import SciencefsCore
import XCTest

/// What the Agave and Tapis fixtures share: a source whose `systems/<id>/…` are folders of an emulator's storage on
/// this machine, two systems of it, and the server's listing and token requests found by path prefix. A subclass
/// starts its emulator and says where its files lie, which request lists a folder, and which one grants a token.
class SystemsStorageFixture {
    let system: String
    let otherSystem: String
    let directory: URL
    let logger: Logger
    let maxRetries = 2
    /// Where a system's file lies in the emulator's storage.
    private let localURL: (_ system: String, _ path: String) -> URL
    /// The request path before `<system>/<path>` of a folder's listing, and the token request's path.
    private let listingPrefix: String
    private let tokenPath: String
    private let log: RequestLog
    private var seeded = 0

    /// A new temporary directory for one fixture of `service` ("agave", "tapis"); the emulator keeps its state in
    /// `state/` below it.
    static func makeDirectory(service: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(service)-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A logger that stays quiet: the suite checks errors, not log lines.
    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    init(service: String, directory: URL, system: String, otherSystem: String, listingPrefix: String,
         tokenPath: String, localURL: @escaping (String, String) -> URL, requestLog: RequestLog) {
        self.system = system
        self.otherSystem = otherSystem
        self.directory = directory
        self.listingPrefix = listingPrefix
        self.tokenPath = tokenPath
        self.localURL = localURL
        self.log = requestLog
        logger = Self.quietLogger("test.conformance.\(service)")
    }

    func put(_ data: Data, system: String? = nil, at relative: String) throws {
        let url = localURL(system ?? self.system, relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func path(_ relative: String, system: String? = nil) -> RemotePath {
        RemotePath(["systems", system ?? self.system] + RemotePath(string: relative).components)
    }

    func seedDirectory(_ files: [(name: String, data: Data)]) throws -> SeededDirectory {
        seeded += 1
        let name = "seed-\(seeded)"
        try FileManager.default.createDirectory(at: localURL(system, name), withIntermediateDirectories: true)
        for file in files { try put(file.data, at: "\(name)/\(file.name)") }
        return SeededDirectory(path: path(name), files: files.map { SeededFile(name: $0.name, content: $0.data) })
    }

    func refreshProbe() throws -> (directory: RemotePath, addOnServer: () throws -> String) {
        let directory = try seedDirectory([("first.dat", Data("1\n".utf8))])
        return (directory.path, { [self] in
            try put(Data("2\n".utf8), at: "\(directory.path.name)/added-on-server.dat")
            return "added-on-server.dat"
        })
    }

    func uploadDirectory() throws -> RemotePath {
        try FileManager.default.createDirectory(at: localURL(system, "uploads"), withIntermediateDirectories: true)
        return path("uploads")
    }

    var mkdirParent: RemotePath { path("") }

    /// Two systems are two filesystems: no single request of either service moves a file between them.
    func crossDeviceRename() throws -> (from: RemotePath, to: RemotePath)? {
        try put(Data("x".utf8), at: "exdev.bin")
        return (path("exdev.bin"), path("exdev.bin", system: otherSystem))
    }

    /// Names on a system are POSIX names: everything but `/` and NUL round-trips as it is.
    let hostileNames = ["with space.txt", "100%.txt", "a%2Fb.txt", "hash#tag.txt", "what?.txt", "ünïcödé 日本.txt",
                        "plus+sign.txt", "semi;colon&amp=.txt", "back\\slash.txt", "..dots..", "-leading-dash"]
        .map { HostileName($0) }

    func statRequest(for path: RemotePath) -> (method: String, path: FaultInjector.PathMatch) {
        ("GET", .prefix(listingPrefix + path.components.dropFirst().dropLast().joined(separator: "/")))
    }

    func listingRequests() -> Int { log.entries(method: "GET", pathPrefix: listingPrefix).count }
    func tokenRequests() -> Int { log.entries(method: "POST", pathPrefix: tokenPath).count }
}
