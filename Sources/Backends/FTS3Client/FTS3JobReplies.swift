import Foundation
import SciencefsCore

/// A job object as `GET /jobs/{id}` and `DELETE /jobs/{id}` return it (docs/protocols/fts3.md §3.3–3.4), only the fields we
/// use. In a 207 multi-status array a failing item has just `job_id`, `http_status` and `http_message`.
struct FTS3JobReply: Decodable, Equatable {
    var jobID: String?
    var jobState: String?
    var reason: String?
    /// `"200 Ok"`, `"304 Not Modified"` (cancel of an ended job), `"404 Not Found"`… when the server adds it.
    var httpStatus: String?
    var httpMessage: String?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", jobState = "job_state", reason
        case httpStatus = "http_status", httpMessage = "http_message"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try container.decodeIfPresent(String.self, forKey: .jobID)
        jobState = try container.decodeIfPresent(String.self, forKey: .jobState)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        httpStatus = try container.decodeIfPresent(String.self, forKey: .httpStatus)
        httpMessage = try container.decodeIfPresent(String.self, forKey: .httpMessage)
    }

    /// The item's own status code from `http_status`, nil when the server did not say.
    var statusCode: Int? { FTS3ErrorMapping.statusCode(httpStatus) }
}

/// One row of `GET /jobs/{id}/files`. Every field may be missing or null; numbers may come as integers,
/// floats or strings depending on the server's database driver.
struct FTS3FileReply: Decodable, Equatable {
    var fileID: UInt64?
    var fileIndex: UInt64?
    var fileState: String?
    var sourceSURL: String?
    var destSURL: String?
    var reason: String?
    var filesize: UInt64?
    var userFilesize: UInt64?
    /// Not part of FTS3's file rows; honoured when a server (or emulator) reports progress this way.
    var transferred: UInt64?

    enum CodingKeys: String, CodingKey {
        case fileID = "file_id", fileIndex = "file_index", fileState = "file_state", sourceSURL = "source_surl"
        case destSURL = "dest_surl", reason, filesize, userFilesize = "user_filesize", transferred
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fileID = try container.decodeLenientCount(forKey: .fileID)
        fileIndex = try container.decodeLenientCount(forKey: .fileIndex)
        fileState = try container.decodeIfPresent(String.self, forKey: .fileState)
        sourceSURL = try container.decodeIfPresent(String.self, forKey: .sourceSURL)
        destSURL = try container.decodeIfPresent(String.self, forKey: .destSURL)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        filesize = try container.decodeLenientCount(forKey: .filesize)
        userFilesize = try container.decodeLenientCount(forKey: .userFilesize)
        transferred = try container.decodeLenientCount(forKey: .transferred)
    }

    /// The row in Core's terms. The size is the server's `filesize`, else the one we declared
    /// (`user_filesize`); bytes moved are `transferred` when given, else all of them once FINISHED, else 0.
    var status: TransferFileStatus {
        let state = (fileState ?? "UNKNOWN").uppercased()
        let size = [filesize, userFilesize].compactMap { $0 }.first { $0 > 0 } ?? filesize ?? userFilesize
        let moved = transferred ?? (state == "FINISHED" ? size ?? 0 : 0)
        return TransferFileStatus(source: sourceSURL ?? "", destination: destSURL ?? "", state: state,
                                  reason: FTS3JobReplies.nonEmpty(reason), size: size, transferred: moved)
    }
}

/// Parses the job and file replies into Core's `TransferJobStatus`.
enum FTS3JobReplies {
    /// The job object for `jobID` from a reply body: a single object, or an array (several ids, or a 207
    /// multi-status) from which the matching item is taken. An item whose `http_status` says it failed becomes
    /// that status's `FSError`; `304 Not Modified` (cancel of an ended job) is a success.
    static func job(_ body: Data, jobID: String, operation: String) throws -> FTS3JobReply {
        let decoder = JSONDecoder()
        let reply: FTS3JobReply
        if let object = try? decoder.decode(FTS3JobReply.self, from: body) {
            reply = object
        } else {
            let items = try decoder.decode([FTS3JobReply].self, from: body)
            guard let match = items.first(where: { $0.jobID == jobID }) ?? (items.count == 1 ? items.first : nil) else {
                throw FSError.io("FTS3 \(operation): the reply does not mention job \(jobID)")
            }
            reply = match
        }
        if let code = reply.statusCode, !(200..<300).contains(code), code != 304 {
            throw FTS3ErrorMapping.fsError(status: code, message: nonEmpty(reply.httpMessage), operation: operation)
        }
        return reply
    }

    /// The file rows in submission order (`file_index`, then `file_id`; rows without either keep their place).
    static func files(_ body: Data) throws -> [TransferFileStatus] {
        let rows = try JSONDecoder().decode([FTS3FileReply].self, from: body)
        let ordered = rows.enumerated().sorted { a, b in
            let keyA = (a.element.fileIndex ?? 0, a.element.fileID ?? 0, UInt64(a.offset))
            let keyB = (b.element.fileIndex ?? 0, b.element.fileID ?? 0, UInt64(b.offset))
            return keyA < keyB
        }
        return ordered.map(\.element.status)
    }

    /// Combines the job object and its files. A job object without `job_state` is malformed.
    static func status(jobID: String, job: FTS3JobReply, files: [TransferFileStatus], operation: String) throws -> TransferJobStatus {
        guard let state = nonEmpty(job.jobState) else {
            throw FSError.io("FTS3 \(operation): malformed reply: no job_state for job \(jobID)")
        }
        return TransferJobStatus(jobID: job.jobID ?? jobID, state: TransferJobState(rawValue: state),
                                 reason: nonEmpty(job.reason), files: files)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }
}

extension KeyedDecodingContainer {
    /// A non-negative count that may be encoded as an integer, a whole float (`1048576.0`) or a decimal string;
    /// nil when absent or null. Anything else is a type mismatch.
    func decodeLenientCount(forKey key: Key) throws -> UInt64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let value = try? decode(UInt64.self, forKey: key) { return value }
        if let value = try? decode(Double.self, forKey: key), value >= 0, value.rounded() == value,
           value < 1.8e19 { return UInt64(value) }
        if let text = try? decode(String.self, forKey: key), let value = UInt64(text.trimmingCharacters(in: .whitespaces)) {
            return value
        }
        throw DecodingError.typeMismatch(UInt64.self, DecodingError.Context(
            codingPath: codingPath + [key], debugDescription: "expected a non-negative whole number"))
    }
}
