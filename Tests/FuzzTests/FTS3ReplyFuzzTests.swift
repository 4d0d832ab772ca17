@testable import FTS3Client
import Foundation
import XCTest

/// FTS3's JSON replies through `FTS3JobReplies` (job objects, 207 multi-status arrays, file rows) into Core's
/// transfer status, plus `whoami`, the delegation time (`FTS3Date`) and error bodies.
final class FTS3ReplyFuzzTests: XCTestCase {
    /// The one field `FTS3Delegator` reads from `GET /delegation/{id}` (its own type is private).
    private struct DelegationTime: Decodable { var termination_time: String? }

    func testFTS3RepliesSurviveMutatedInput() {
        let jobID = "a1b2c3d4-0000-1111-2222-333344445555"
        let targets = [
            FuzzTarget("job") { body in
                let job = try FTS3JobReplies.job(body, jobID: jobID, operation: "status")
                _ = try FTS3JobReplies.status(jobID: jobID, job: job, files: [], operation: "status")
            },
            FuzzTarget("files") { body in
                let files = try FTS3JobReplies.files(body)
                let rows = try JSONDecoder().decode([FTS3FileReply].self, from: body)
                try fuzzCheck(files.count == rows.count, "\(rows.count) rows became \(files.count) files")
            },
            FuzzTarget("whoami") { body in
                _ = try JSONDecoder().decode(FTS3WhoAmI.self, from: body)
            },
            FuzzTarget("delegation") { body in
                guard let text = try JSONDecoder().decode(DelegationTime?.self, from: body)?.termination_time else { return }
                _ = FTS3Date.parse(text)
            },
            FuzzTarget("error-body") { body in
                _ = FTS3ErrorMapping.message(in: body)
                _ = FTS3ErrorMapping.statusCode(String(decoding: body.prefix(64), as: UTF8.self))
            },
        ]
        FuzzCampaign(family: "fts3", targets: targets, corpus: FTS3Corpus.seeds, dictionary: FuzzMutator.jsonDictionary).run()
    }
}
