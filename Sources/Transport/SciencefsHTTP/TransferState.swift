import CCurl
import Foundation

/// Where the 2xx body of one attempt goes.
enum BodyDestination {
    /// Collected in memory, up to a limit (small requests).
    case buffer(limit: Int)
    /// Handed to a sink chunk by chunk as libcurl receives it.
    case stream((UnsafeRawBufferPointer) throws -> Void)
}

/// The mutable state of one attempt, reached from libcurl's C callbacks through their userdata pointer.
/// Owned by the thread running the attempt; libcurl calls the callbacks on that same thread.
final class TransferState {
    /// Non-2xx bodies are kept only this far: enough for an error message, never a whole file.
    static let errorBodyLimit = 64 * 1024

    var status = 0
    var headers = HTTPHeaders()
    var body = Data()
    var errorBody = Data()
    private(set) var delivered: UInt64 = 0
    /// The sink threw: the transfer was aborted and this error is the caller's to see.
    var sinkError: Error?
    /// The buffered body grew past its limit.
    var overflowed = false
    /// The attempt delivered all the bytes it may deliver and cut the transfer on purpose.
    var reachedLimit = false
    let errorBuffer: UnsafeMutablePointer<CChar>

    private let destination: BodyDestination
    /// The first byte this attempt asked for; if the server ignores `Range` and answers 200 from byte 0,
    /// that many bytes are skipped so the sink still sees the right bytes.
    private let requestedStart: UInt64
    /// Most bytes this attempt may hand to the sink (nil = unlimited).
    private let allowed: UInt64?
    private var skip: UInt64 = 0
    private var sawBody = false

    init(destination: BodyDestination, requestedStart: UInt64 = 0, allowed: UInt64? = nil) {
        self.destination = destination
        self.requestedStart = requestedStart
        self.allowed = allowed
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit { errorBuffer.deallocate() }

    var isSuccessStatus: Bool { (200..<300).contains(status) }
    var errorMessage: String { String(cString: errorBuffer) }

    /// One header line, including the status line of each (interim or final) response.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        switch HeaderLine(bytes) {
        case .status(let code):
            status = code
            headers = HTTPHeaders()
        case .field(let name, let value):
            headers.add(name, value)
        case .other:
            break
        }
    }

    /// One chunk of body; returns false to make libcurl abort the transfer.
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard isSuccessStatus else {
            let room = TransferState.errorBodyLimit - errorBody.count
            if room > 0 { errorBody.append(contentsOf: chunk.prefix(room)) }
            return true
        }
        switch destination {
        case .buffer(let limit):
            guard body.count + chunk.count <= limit else {
                overflowed = true
                return false
            }
            body.append(contentsOf: chunk)
            return true
        case .stream(let sink):
            if !sawBody {
                sawBody = true
                if status != 206 { skip = requestedStart }
            }
            var piece = chunk
            if skip > 0 {
                let dropped = Int(min(skip, UInt64(piece.count)))
                piece = UnsafeRawBufferPointer(rebasing: piece[dropped...])
                skip -= UInt64(dropped)
            }
            // Cut only when the reply holds more than was asked for (a server that ignored the range): a reply
            // that ends exactly at the limit runs to its end, so libcurl keeps its connection for the next request
            // (an aborted transfer closes it, and every ranged GET would then pay a new connection).
            if let allowed, delivered + UInt64(piece.count) > allowed {
                piece = UnsafeRawBufferPointer(rebasing: piece[..<Int(allowed - delivered)])
                reachedLimit = true
            }
            if !piece.isEmpty {
                do {
                    try sink(piece)
                } catch {
                    sinkError = error
                    return false
                }
                delivered += UInt64(piece.count)
            }
            return !reachedLimit
        }
    }
}

/// libcurl's C callbacks: non-capturing, they find the attempt's `TransferState` through userdata.
enum TransferCallbacks {
    static let header: sciencefs_curl_data_callback = { buffer, size, count, userdata in
        let total = size * count
        guard let buffer, let userdata else { return total }
        let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
        state.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: total))
        return total
    }

    static let write: sciencefs_curl_data_callback = { buffer, size, count, userdata in
        let total = size * count
        guard let buffer, let userdata else { return total }
        let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
        // Returning anything but `total` makes libcurl stop with CURLE_WRITE_ERROR.
        return state.receiveBody(UnsafeRawBufferPointer(start: buffer, count: total)) ? total : 0
    }
}
