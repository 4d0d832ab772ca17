import AMIEBackend
import AMIEEmulator
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import XCTest

/// An AMIE emulator on 127.0.0.1 and a backend pointed at it, made fresh for each test.
final class AMIEEmulatorFixture {
    let emulator: AMIEEmulator
    let backend: AMIEBackend

    init(apiKey: String? = nil, autoReply: Bool = true, attributeTTL: TimeInterval = 10) throws {
        emulator = AMIEEmulator(configuration: AMIEEmulator.Configuration(autoReply: autoReply))
        try emulator.start()
        let configuration = AMIEConfiguration(name: "amie", siteName: emulator.configuration.siteName,
                                              apiKey: apiKey ?? emulator.configuration.apiKey,
                                              baseURL: emulator.baseURL.absoluteString,
                                              cachePolicy: CachePolicy(attributeTTL: attributeTTL, listingTTL: attributeTTL),
                                              retry: RetryPolicy(maxRetries: 0))
        backend = AMIEBackend(configuration: configuration, logger: Logger(label: "amie-test"))
    }

    deinit { emulator.stop() }

    /// A new project request from the allocation service.
    @discardableResult
    func projectRequest(grant: String = "CHE230042", extra: String = "") throws -> Int64 {
        try emulator.receiveFromRemote(type: "request_project_create", body: """
            {"AllocationType": "new", "GrantNumber": "\(grant)", "PfosNumber": "2300420", "RecordID": "REC-1",
             "PiFirstName": "Ada", "PiLastName": "Okafor", "PiOrganization": "University of Example",
             "PiOrgCode": "0012345", "ProjectTitle": "Catalysis", "ResourceList": ["bridges2-cpu.psc.access-ci"],
             "ServiceUnitsAllocated": "50000", "StartDate": "2024-07-01", "EndDate": "2025-06-30"\(extra)}
            """)
    }

    func readAll(_ path: String) throws -> Data {
        var data = Data()
        try backend.read(RemotePath(string: path), offset: 0, length: .max) { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `json` to a temporary file, as the Core's staging would, and uploads it to `outgoing/<name>`.
    @discardableResult
    func send(_ json: String, as name: String = "reply.json") throws -> RemoteAttributes {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("amie-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try backend.upload(from: file, to: RemotePath(string: "packets/outgoing/\(name)"))
    }
}
