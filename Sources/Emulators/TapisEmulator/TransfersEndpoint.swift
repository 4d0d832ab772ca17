import EmulatorSupport
import Foundation
import Hummingbird

/// `POST /v3/files/transfers`, `GET /v3/files/transfers` and `GET /v3/files/transfers/{uuid}`
/// (docs/protocols/tapis.md §6).
struct TransfersEndpoint {
    let state: TapisState
    private var version: String { state.configuration.apiVersion }

    func respond(_ request: Request, rawSegments: ArraySlice<Substring>, query: [String: String],
                 user: String) async throws -> Response {
        switch (rawSegments.count, request.method) {
        case (0, .post):
            return try await create(request, user: user)
        case (0, .get):
            let (limit, offset) = try TapisReplies.paging(query, defaultLimit: 1000, offsetName: "offset")
            let page = TapisReplies.page(state.transfers.records(username: user), limit: limit, offset: offset)
            return TapisReplies.success(.array(page.map(Self.object)), message: "FILES_TXFR_LIST_OK", version: version)
        case (1, .get):
            let uuid = String(rawSegments[rawSegments.startIndex])
            guard let record = state.transfers.record(uuid), record.username == user else {
                throw TapisError.notFound("FILES_TXFR_NOT_FOUND Transfer task not found: \(uuid)")
            }
            return TapisReplies.success(Self.object(record), message: "FILES_TXFR_OK", version: version)
        default:
            throw TapisError(405, "\(request.method.rawValue) is not supported on /v3/files/transfers")
        }
    }

    private func create(_ request: Request, user: String) async throws -> Response {
        let body = try await FileOperations.jsonObject(request.body)
        guard let rawElements = body["elements"] as? [[String: Any]], !rawElements.isEmpty else {
            throw TapisError.badRequest("elements is required and must not be empty")
        }
        var elements: [TransferTasks.Element] = []
        for raw in rawElements {
            guard let source = raw["sourceURI"] as? String, let destination = raw["destinationURI"] as? String else {
                throw TapisError.badRequest("Each element needs sourceURI and destinationURI")
            }
            let from = try state.path(tapisURI: source)
            let to = try state.path(tapisURI: destination)
            try state.requireModify(to)
            elements.append(.init(sourceURI: source, destinationURI: destination, source: from, destination: to,
                                  totalBytes: Int64(FileStat(path: from.fileSystemPath)?.size ?? 0)))
        }
        let record = state.transfers.create(tag: body["tag"] as? String, username: user,
                                            tenantId: state.configuration.tenantId, elements: elements)
        return TapisReplies.success(Self.object(record), message: "FILES_TXFR_CREATED Transfer task created",
                                    version: version)
    }

    static func object(_ record: TransferTasks.Record) -> JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .string(TapisReplies.instant($0)) } ?? .null }
        let total = record.elements.reduce(Int64(0)) { $0 + $1.totalBytes }
        let moved = record.elements.reduce(Int64(0)) { $0 + $1.bytesTransferred }
        let parents: [JSONValue] = record.elements.enumerated().map { index, element in
            .object([
                ("tenantId", .string(record.tenantId)), ("username", .string(record.username)),
                ("sourceURI", .string(element.sourceURI)), ("destinationURI", .string(element.destinationURI)),
                ("totalBytes", .int(element.totalBytes)), ("bytesTransferred", .int(element.bytesTransferred)),
                ("taskId", .int(Int64(index + 1))), ("children", .array([])),
                ("errorMessage", record.errorMessage.map(JSONValue.string) ?? .null),
                ("uuid", .string(record.elementIds[index])), ("status", .string(record.status)),
                ("created", time(record.created)), ("startTime", time(record.startTime)), ("endTime", time(record.endTime)),
            ])
        }
        return .object([
            ("username", .string(record.username)), ("tenantId", .string(record.tenantId)),
            ("tag", record.tag.map(JSONValue.string) ?? .null), ("uuid", .string(record.uuid)),
            ("status", .string(record.status)), ("parentTasks", .array(parents)),
            ("estimatedTotalBytes", .int(total)), ("totalBytesTransferred", .int(moved)),
            ("totalTransfers", .int(Int64(record.elements.count))),
            ("completeTransfers", .int(record.status == "COMPLETED" ? Int64(record.elements.count) : 0)),
            ("errorMessage", record.errorMessage.map(JSONValue.string) ?? .null),
            ("created", time(record.created)), ("startTime", time(record.startTime)), ("endTime", time(record.endTime)),
        ])
    }
}
