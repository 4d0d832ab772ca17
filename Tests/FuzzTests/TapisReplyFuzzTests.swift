import BackendKit
import Foundation
import SciencefsCore
@testable import TapisBackend
import XCTest

/// Tapis v3 replies, through the backend's own decoding entry point (`TapisAPI.decodeResult`, the path every
/// enveloped Tapis reply takes) and on into what the filesystem derives from each row (attributes, modes, job
/// times, `job.json`), since a value that decodes can still trap later; and the JWT whose `exp` the backend reads.
final class TapisReplyFuzzTests: XCTestCase {
    private static let url = "http://127.0.0.1:9/v3/files/ops/fuzz/"

    func testTapisRepliesSurviveMutatedInput() {
        let url = Self.url
        let targets = [
            FuzzTarget("files-listing") { body in
                for row in try TapisAPI.decodeResult([TapisFileInfo].self, from: body, url: url) {
                    let attributes = row.attributes
                    _ = (row.isItself(requested: ["data"]), row.isItself(requested: []), row.isItself(requested: [row.name]))
                    // docs/sources/tapis.md: group and other never get write, whatever the server says.
                    try fuzzCheck(attributes.permissions & 0o022 == 0 && attributes.permissions <= 0o777,
                                  "mode \(String(attributes.permissions, radix: 8)) for \(row.nativePermissions ?? "nil")")
                    try fuzzCheck(attributes.kind == .file || attributes.size == 0, "a directory with a size")
                }
            },
            FuzzTarget("systems") { body in
                for system in try TapisAPI.decodeResult([TapisSystem].self, from: body, url: url) {
                    _ = (system.id, system.updated.flatMap(ISOTimestamp.parse), system.created.flatMap(ISOTimestamp.parse))
                }
            },
            FuzzTarget("jobs") { body in
                for job in try TapisAPI.decodeResult([TapisJobSummary].self, from: body, url: url) {
                    _ = (job.mtime, job.isTerminal, job.id)
                }
            },
            FuzzTarget("job-record") { body in
                // `job.json` is made from the same body; its bytes must be a pure function of the content.
                let job = try? TapisAPI.decodeResult(TapisJobSummary.self, from: body, url: url)
                _ = job?.mtime
                let document = try ResultDocuments.prettyResult(of: body, url: url)
                let again = try ResultDocuments.prettyResult(of: body, url: url)
                try fuzzCheck(document == again, "job.json bytes differ between two renderings")
                try fuzzCheck((try? JSONSerialization.jsonObject(with: document, options: [.fragmentsAllowed])) != nil,
                              "job.json is not JSON")
            },
            FuzzTarget("job-history") { body in
                _ = try ResultDocuments.pretty(try ResultDocuments.resultArray(of: body, url: url))
            },
            FuzzTarget("transfer-task") { body in
                let task = try TapisAPI.decodeResult(TapisTransferTask.self, from: body, url: url)
                _ = (task.estimatedTotalBytes?.unsigned, task.totalBytesTransferred?.unsigned, task.errorMessage)
            },
            FuzzTarget("token") { body in
                let result = try TapisAPI.decodeResult(TapisTokenResult.self, from: body, url: url)
                _ = (result.accessToken.expiresIn?.unsigned, result.accessToken.expiresAt.flatMap(ISOTimestamp.parse))
                _ = TapisJWT.expiry(of: result.accessToken.accessToken)
            },
            FuzzTarget("status") { body in
                _ = try JSONDecoder().decode(TapisStatusEnvelope.self, from: body)
            },
            FuzzTarget("jwt") { body in
                guard let text = String(data: body, encoding: .utf8) else { return }
                _ = TapisJWT.expiry(of: text)
            },
        ]
        FuzzCampaign(family: "tapis", targets: targets, corpus: TapisCorpus.seeds, dictionary: FuzzMutator.jsonDictionary).run()
    }
}
