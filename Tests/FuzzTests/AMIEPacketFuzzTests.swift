@testable import AMIEBackend
import Foundation
import XCTest

/// AMIE packets: server replies (`AMIEJSON.parse` → `AMIEPacket`/`AMIETransaction`, then the packet file the mount
/// shows and its xattrs) and packets a site writes to `outgoing/` (`AMIEPacketValidator`). The shown file must be
/// JSON that says what the packet says, and its name must lead back to the packet.
final class AMIEPacketFuzzTests: XCTestCase {
    func testAMIEPacketsSurviveMutatedInput() {
        let targets = [
            FuzzTarget("packet-list") { body in
                // AMIEClient.listPackets.
                guard let result = try AMIEJSON.parse(body)["result"]?.arrayValue else { throw AMIEClientError.malformed("no result") }
                for packet in try result.map(AMIEPacket.init(json:)) { try Self.checkShown(packet) }
            },
            FuzzTarget("packet") { body in
                // AMIEClient.packet(recID:).
                guard let result = try AMIEJSON.parse(body)["result"], !result.isNull else { throw AMIEClientError.malformed("no result") }
                try Self.checkShown(try AMIEPacket(json: result))
            },
            FuzzTarget("transaction") { body in
                guard let result = try AMIEJSON.parse(body)["result"] else { throw AMIEClientError.malformed("no result") }
                let transaction = try AMIETransaction(json: result, transRecID: 5006)
                for packet in transaction.packets { try Self.checkShown(packet) }
            },
            FuzzTarget("outgoing-packet") { body in
                let packet = try AMIEJSON.parse(body)
                let normalized = try AMIEPacketValidator.validated(packet)
                try fuzzCheck(normalized["DATA_TYPE"] == .string("packet"), "normalized packet without DATA_TYPE packet")
                let header = normalized["header"]
                try fuzzCheck(header?["expected_reply_list"].map { !$0.isNull } ?? false, "no expected_reply_list")
                // What is sent is the compact form; it must be JSON saying the same.
                let sent = try? AMIEJSON.parse(normalized.compactData())
                try fuzzCheck(sent.map { Self.same($0, normalized) } ?? false, "the compact form of a packet does not parse back")
            },
            FuzzTarget("error-body") { body in
                _ = AMIEClientError.message(in: body)
            },
        ]
        FuzzCampaign(family: "amie", targets: targets, corpus: AMIECorpus.seeds, dictionary: FuzzMutator.jsonDictionary).run()
    }

    /// The packet as a file: pretty JSON equal to the packet, attributes, xattrs, and a name that parses back.
    private static func checkShown(_ packet: AMIEPacket) throws {
        let file = AMIEPacketFile(packet)
        let attributes = file.attributes
        try fuzzCheck(attributes.size == UInt64(file.bytes.count), "stat size \(attributes.size) ≠ \(file.bytes.count) bytes")
        let reparsed = try? AMIEJSON.parse(file.bytes)
        try fuzzCheck(reparsed.map { same($0, packet.json) } ?? false,
                      "the packet file is not JSON equal to the packet: \(String(decoding: file.bytes.prefix(200), as: UTF8.self))")
        let name = packet.fileName
        let usable = !name.contains("/") && !name.contains("\u{0}") && name.utf8.count <= 255
        if usable && packet.packetRecID >= 0 {
            let parsed = AMIEPacketFileName.parse(name)
            try fuzzCheck(parsed?.recID == packet.packetRecID && parsed?.type == packet.type,
                          "file name \(name.debugDescription) does not lead back to packet \(packet.packetRecID)")
        }
    }

    /// JSON equality where a number is a number, however it was written (`1` and `1.0`).
    static func same(_ a: AMIEJSON, _ b: AMIEJSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }
}
