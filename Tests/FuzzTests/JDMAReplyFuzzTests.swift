import Foundation
@testable import JDMABackend
import XCTest

/// JDMA's JSON replies, decoded as `JDMAClient` decodes them, and on into the namespace built from them: batch
/// directory names (`BatchNaming`), each batch's file tree (`BatchTree`) and the stage names.
final class JDMAReplyFuzzTests: XCTestCase {
    func testJDMARepliesSurviveMutatedInput() {
        let targets = [
            FuzzTarget("batch-list") { body in
                let batches = try JSONDecoder().decode(JDMABatchList.self, from: body).migrations
                let names = BatchNaming.assignNames(batches.map { (id: $0.id, label: $0.label) }, reserved: [".sciencefs"])
                // Every batch gets a directory name that is a legal file name, distinct from all the others.
                try fuzzCheck(Set(names.values).count == names.count, "two batches share a directory name")
                for (id, name) in names {
                    try fuzzCheck(!name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\u{0}")
                                  && name.utf8.count <= 255 && name != ".sciencefs", "batch \(id) named \(name.debugDescription)")
                }
                for batch in batches { _ = JDMAStages.Batch.name(of: batch.stage) }
            },
            FuzzTarget("batch") { body in
                let batch = try JSONDecoder().decode(JDMABatchRecord.self, from: body)
                _ = BatchNaming.legalName(label: batch.label, batchID: batch.id)
            },
            FuzzTarget("file-listing") { body in
                let listing = try JSONDecoder().decode(JDMAFileListing.self, from: body)
                // JDMAClient.files(batchID:): the batch's files, flattened over its archives.
                let files = listing.migrations.filter { $0.id == 12 }.flatMap { $0.archives.flatMap(\.files) }
                let tree = BatchTree(files)
                for directory in tree.directories.prefix(50) { _ = tree.children(of: directory) }
            },
            FuzzTarget("request") { body in
                let request = try JSONDecoder().decode(JDMARequestRecord.self, from: body)
                _ = (JDMAStages.Request.name(of: request.stage), request.type.flatMap(JDMAStages.RequestKind.init(rawValue:)))
            },
            FuzzTarget("request-list") { body in
                _ = try JSONDecoder().decode(JDMARequestList.self, from: body)
            },
            FuzzTarget("storage") { body in
                _ = try JSONDecoder().decode([String: String].self, from: body)
            },
            FuzzTarget("user-info") { body in
                // JDMAClient.userInfo.
                let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
                _ = object.mapValues { "\($0)" }
            },
            FuzzTarget("error-body") { body in
                _ = JDMAErrorBody.message(in: body)
            },
        ]
        FuzzCampaign(family: "jdma", targets: targets, corpus: JDMACorpus.seeds, dictionary: FuzzMutator.jsonDictionary).run()
    }
}
