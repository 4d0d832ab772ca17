@testable import AgaveBackend
import Foundation
import Logging
import SciencefsCore
import SciencefsHTTP
import XCTest

/// Agave's JSON envelopes, through the backend's own decoding entry point (`AgaveAPI.decodeResult`, the path every
/// Agave reply takes) and on into what the filesystem derives from each row (attributes, timestamps, job
/// documents), since a value that decodes can still trap later.
final class AgaveReplyFuzzTests: XCTestCase {
    /// An API object for its decoder only: nothing here sends a request.
    private static let api = AgaveAPI(configuration: AgaveConfiguration(baseURL: "http://127.0.0.1:9"),
                                      http: HTTPClient(logger: Logger(label: "fuzz")), logger: Logger(label: "fuzz"))
    private static let url = "http://127.0.0.1:9/files/v2/listings/system/fuzz/"

    func testAgaveRepliesSurviveMutatedInput() {
        let api = Self.api, url = Self.url
        let targets = [
            FuzzTarget("files-listing") { body in
                for row in try api.decodeResult([AgaveFileRecord].self, from: body, url: url) {
                    let attributes = row.attributes
                    _ = row.isSelfOrParent
                    // The documented mode rule: group and other never get write, whatever the server says.
                    try fuzzCheck(attributes.permissions & 0o022 == 0 && attributes.permissions <= 0o777,
                                  "mode \(String(attributes.permissions, radix: 8)) for \(row.permissions ?? "nil")")
                    try fuzzCheck(attributes.kind == .file || attributes.size == 0, "a directory with a size")
                }
            },
            FuzzTarget("systems") { body in
                for system in try api.decodeResult([AgaveSystemSummary].self, from: body, url: url) { _ = system.attributes }
            },
            FuzzTarget("jobs") { body in
                for job in try api.decodeResult([AgaveJobSummary].self, from: body, url: url) {
                    _ = (job.mtime, job.isTerminal, AgaveJobStatus.isKnown(job.status))
                }
            },
            FuzzTarget("job-record") { body in
                // `job.json` is made from the same body; its bytes must be a pure function of the content.
                let job = try? api.decodeResult(AgaveJobSummary.self, from: body, url: url)
                _ = job?.mtime
                let document = try AgaveJobDocuments.prettyResult(of: body, url: url)
                let again = try AgaveJobDocuments.prettyResult(of: body, url: url)
                try fuzzCheck(document == again, "job.json bytes differ between two renderings")
                try fuzzCheck((try? JSONSerialization.jsonObject(with: document, options: [.fragmentsAllowed])) != nil,
                              "job.json is not JSON")
            },
            FuzzTarget("job-outputs") { body in
                for row in try api.decodeResult([AgaveJobOutputRecord].self, from: body, url: url) {
                    _ = (row.isDirectory, row.isItself(requested: ["logs"]), row.isItself(requested: []))
                    _ = row.length?.unsigned
                    _ = row.lastModified.flatMap(AgaveTimestamp.parse)
                }
            },
            FuzzTarget("job-history") { body in
                let rows = try AgaveJobDocuments.resultArray(of: body, url: url)
                _ = try AgaveJobDocuments.pretty(rows)
            },
            FuzzTarget("logical-file") { body in
                _ = try api.decodeResult(AgaveLogicalFile.self, from: body, url: url)
            },
            FuzzTarget("status") { body in
                _ = try JSONDecoder().decode(AgaveStatusEnvelope.self, from: body)
            },
            FuzzTarget("token") { body in
                let reply = try JSONDecoder().decode(AgaveTokenReply.self, from: body)
                _ = reply.expiresIn?.unsigned
            },
        ]
        FuzzCampaign(family: "agave", targets: targets, corpus: AgaveCorpus.seeds, dictionary: FuzzMutator.jsonDictionary).run()
    }
}
