import Foundation
import SciencefsCore

/// Sending: a new file closed in `packets/outgoing/` is one `send_packet`.
extension AMIEBackend {
    /// Validates the staged JSON the way amieclient does and sends it. A packet that fails validation is not
    /// sent at all and fails the close with EINVAL, with a log line naming what is wrong (e.g. the missing keys).
    /// Existing packet files cannot be rewritten (that would silently send a second packet), and nothing outside
    /// `outgoing/` can be written.
    public func upload(from localFile: URL, to path: RemotePath) throws -> RemoteAttributes {
        try mapErrors("send", path) {
            guard case .directionEntry(.outgoing, let name, let parsed) = try AMIELocation(path) else {
                throw FSError.permissionDenied
            }
            if let parsed, (try? packetFile(parsed.recID)) != nil {
                logger.error("refusing to rewrite a packet already on the server; write a new file to send a packet",
                             metadata: ["source": "\(self.name)", "path": "\(path)"])
                throw FSError.permissionDenied
            }
            let packet = try readPacket(localFile, path: path)
            let reply: AMIEJSON
            do {
                reply = try client.send(packet)
            } catch AMIEClientError.invalidPacket(let why) {
                logger.error("AMIE packet not sent: \(why)", metadata: [
                    "source": "\(self.name)", "path": "\(path)", "type": "\(packet["type"]?.stringValue ?? "?")",
                ])
                throw FSError.invalidArgument(why.description)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: localFile.path)[.size] as? NSNumber)??.uint64Value ?? 0
            var xattrs = ["user.amie.sent_as": name]
            if let result = reply["result"], let sent = try? AMIEPacket(json: result) {
                xattrs["user.amie.packet_rec_id"] = String(sent.packetRecID)
                xattrs["user.amie.type"] = sent.type
                cache.store([AMIEPacketFile(sent)])
                logger.info("AMIE packet sent", metadata: ["source": "\(self.name)", "path": "\(path)",
                                                           "type": "\(sent.type)", "packet_rec_id": "\(sent.packetRecID)"])
            } else {
                logger.info("AMIE packet sent", metadata: ["source": "\(self.name)", "path": "\(path)"])
            }
            return RemoteAttributes(kind: .file, size: size, mtime: Date(), permissions: 0o644, xattrs: xattrs)
        }
    }

    private func readPacket(_ localFile: URL, path: RemotePath) throws -> AMIEJSON {
        let handle = try FileHandle(forReadingFrom: localFile)
        defer { try? handle.close() }
        let data = try handle.read(upToCount: configuration.maxPacketBytes + 1) ?? Data()
        guard data.count <= configuration.maxPacketBytes else {
            throw notSent(path, "larger than \(configuration.maxPacketBytes) bytes; AMIE packets are small JSON documents")
        }
        do { return try AMIEJSON.parse(data) } catch {
            throw notSent(path, "not valid JSON")
        }
    }

    private func notSent(_ path: RemotePath, _ why: String) -> FSError {
        logger.error("AMIE packet not sent: \(why)", metadata: ["source": "\(name)", "path": "\(path)"])
        return .invalidArgument(why)
    }
}
