import Foundation
import Logging
import SciencefsHTTP

/// Copies one file between storage endpoints the way FTS's url-copy does it over HTTP: stat the source, check
/// the destination (overwrite), stream the source to a scratch file while computing Adler-32, verify it
/// against the user's checksum, PUT it to the destination, then read the destination back and verify it.
///
/// Blocking (libcurl): call it from a transfer thread, never from the NIO event loop. Reasons follow FTS's
/// `SCOPE [errno] MESSAGE` form (`SOURCE [2] …`, `DESTINATION OVERWRITE [17] …`).
struct StorageCopier {
    enum Outcome: Equatable {
        case finished
        /// `recoverable`: a new attempt might succeed (HTTP 5xx, connection trouble), so the job's `retry`
        /// applies; checksum mismatches, missing files and overwrite refusals are final.
        case failed(reason: String, recoverable: Bool)
        case canceled
    }

    /// What the runner lets the copier do and learn while it works.
    struct Hooks {
        /// Bytes of the source received so far (for `transferred`).
        var progress: (Int64) -> Void
        /// The source's size, once the stat told it.
        var sourceSize: (Int64) -> Void
        /// Payload bytes read from a source (for `FTS3Emulator.bytesCopied`).
        var bytesRead: (Int) -> Void
        /// True when the file was canceled or the emulator stops: abort at the next chunk.
        var isCanceled: () -> Bool
        /// How long reading the source should take at least, so progress is visible during ACTIVE.
        var readingTime: TimeInterval
    }

    struct Aborted: Error {}

    let http: HTTPClient
    let scratchDirectory: URL
    let logger: Logger

    func copy(_ file: TransferFile, of job: TransferJob, hooks: Hooks) -> Outcome {
        guard let source = Self.httpURL(file.source) else {
            return .failed(reason: "SOURCE [93] Protocol not supported by the emulator: \(Self.scheme(file.source))", recoverable: false)
        }
        guard let destination = Self.httpURL(file.destination) else {
            return .failed(reason: "DESTINATION [93] Protocol not supported by the emulator: \(Self.scheme(file.destination))",
                           recoverable: false)
        }
        let expected = SubmittedChecksum(file.checksum)
        if job.checksumMode != .none, expected.algorithm != "ADLER32" {
            return .failed(reason: "TRANSFER [95] Checksum algorithm \(expected.algorithm) is not supported by the emulator (only ADLER32)",
                           recoverable: false)
        }

        // Source stat.
        let size: Int64?
        switch head(source, token: file.sourceToken) {
        case .success(let length): size = length
        case .failure(let error):
            if error.statusCode == 404 {
                return .failed(reason: "SOURCE [2] Failed to stat the source file (No such file or directory): HTTP 404", recoverable: false)
            }
            return .failed(reason: "SOURCE [\(Self.errno(error))] Failed to stat the source file: \(error)", recoverable: Self.isRecoverable(error))
        }
        if let size {
            hooks.sourceSize(size)
            if file.userFilesize > 0, file.userFilesize != size {
                return .failed(reason: "SOURCE [22] User specified source file size is \(file.userFilesize) but stat returned \(size)",
                               recoverable: false)
            }
        }

        // Destination check.
        switch head(destination, token: file.destinationToken) {
        case .success:
            if !job.overwrite {
                return .failed(reason: "DESTINATION OVERWRITE [17] Destination file exists and overwrite is not enabled", recoverable: false)
            }
        case .failure(let error) where error.statusCode == 404:
            break
        case .failure(let error):
            return .failed(reason: "DESTINATION [\(Self.errno(error))] Failed to stat the destination file: \(error)",
                           recoverable: Self.isRecoverable(error))
        }

        // Read the source into a scratch file.
        let scratch = scratchDirectory.appendingPathComponent("file-\(file.fileID)-\(UUID().uuidString).part")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let sourceSum: String
        do {
            sourceSum = try download(source, token: file.sourceToken, to: scratch, expectedSize: size ?? file.userFilesize, hooks: hooks)
        } catch is Aborted {
            return .canceled
        } catch let error as HTTPError {
            if error.statusCode == 404 {
                return .failed(reason: "SOURCE [2] Failed to read the source file (No such file or directory): HTTP 404", recoverable: false)
            }
            return .failed(reason: "SOURCE [\(Self.errno(error))] Failed to read the source file: \(error)", recoverable: Self.isRecoverable(error))
        } catch {
            return .failed(reason: "TRANSFER [5] Failed to buffer the source file: \(error)", recoverable: true)
        }

        if job.checksumMode.checksSource, let wanted = expected.value, wanted != sourceSum {
            return .failed(reason: "SOURCE [5] CHECKSUM MISMATCH User defined checksum and source checksum do not match "
                + "(ADLER32 \(wanted) != \(sourceSum))", recoverable: false)
        }
        if hooks.isCanceled() { return .canceled }

        // Write the destination.
        do {
            _ = try http.send(HTTPRequest(method: .put, url: destination, body: .file(scratch, contentType: "application/octet-stream"),
                                          bearerToken: file.destinationToken))
        } catch let error as HTTPError {
            return .failed(reason: "DESTINATION [\(Self.errno(error))] Failed to write the destination file: \(error)",
                           recoverable: Self.isRecoverable(error))
        } catch {
            return .failed(reason: "DESTINATION [5] Failed to write the destination file: \(error)", recoverable: true)
        }

        // Verify the destination by reading it back.
        let verifyTarget = job.checksumMode.checksTarget || (job.checksumMode == .source && expected.value == nil)
        guard verifyTarget else { return .finished }
        let failure: String
        do {
            let destinationSum = try checksum(of: destination, token: file.destinationToken)
            if job.checksumMode.checksTarget, let wanted = expected.value {
                guard wanted != destinationSum else { return .finished }
                failure = "DESTINATION [5] CHECKSUM MISMATCH User defined checksum and destination checksum do not match "
                    + "(ADLER32 \(wanted) != \(destinationSum))"
            } else {
                guard sourceSum != destinationSum else { return .finished }
                failure = "TRANSFER [5] CHECKSUM MISMATCH Source and destination checksums do not match (ADLER32 \(sourceSum) != \(destinationSum))"
            }
        } catch {
            failure = "DESTINATION [\(Self.errno(error))] Failed to read back the destination file: \(error)"
        }
        // The copy is bad: remove it, as FTS cleans up after a failed transfer unless told not to.
        removeDestination(of: file, job: job)
        return .failed(reason: failure, recoverable: false)
    }

    /// Deletes what a transfer wrote, unless the job asked for `disable_cleanup`. Errors are ignored.
    func removeDestination(of file: TransferFile, job: TransferJob) {
        guard !job.disableCleanup, let destination = Self.httpURL(file.destination) else { return }
        _ = try? http.send(HTTPRequest(method: .delete, url: destination, bearerToken: file.destinationToken))
    }

    // MARK: HTTP steps

    /// HEAD: the `Content-Length` when present.
    private func head(_ url: String, token: String?) -> Result<Int64?, HTTPError> {
        do {
            let response = try http.send(HTTPRequest(method: .head, url: url, bearerToken: token))
            return .success(response.headers["Content-Length"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) })
        } catch let error as HTTPError {
            return .failure(error)
        } catch {
            return .failure(.transport(code: 0, message: "\(error)"))
        }
    }

    /// Streams `url` into `file`, returning its Adler-32. Reading is paced so that it lasts about
    /// `hooks.readingTime` for a source of `expectedSize` bytes.
    private func download(_ url: String, token: String?, to file: URL, expectedSize: Int64, hooks: Hooks) throws -> String {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var sum = Adler32()
        var received: Int64 = 0
        let started = Date()
        _ = try http.download(HTTPRequest(method: .get, url: url, bearerToken: token)) { chunk in
            if hooks.isCanceled() { throw Aborted() }
            try handle.write(contentsOf: Data(chunk))
            sum.update(chunk)
            received += Int64(chunk.count)
            hooks.bytesRead(chunk.count)
            hooks.progress(received)
            try pace(received: received, of: expectedSize, since: started, over: hooks.readingTime, isCanceled: hooks.isCanceled)
        }
        return sum.hex
    }

    /// Sleeps while the bytes received are ahead of an even spread of `expected` bytes over `duration`.
    private func pace(received: Int64, of expected: Int64, since start: Date, over duration: TimeInterval,
                      isCanceled: () -> Bool) throws {
        guard expected > 0, duration > 0 else { return }
        let due = start.addingTimeInterval(duration * min(1, Double(received) / Double(expected)))
        while Date() < due {
            if isCanceled() { throw Aborted() }
            Thread.sleep(forTimeInterval: min(0.02, due.timeIntervalSinceNow))
        }
    }

    private func checksum(of url: String, token: String?) throws -> String {
        var sum = Adler32()
        _ = try http.download(HTTPRequest(method: .get, url: url, bearerToken: token)) { sum.update($0) }
        return sum.hex
    }

    // MARK: Helpers

    /// The HTTP URL for a storage URL: `dav://` → `http://`, `davs://` → `https://`, HTTP(S) as is; nil for
    /// protocols the emulator cannot speak (gsiftp, root, srm…).
    static func httpURL(_ surl: String) -> String? {
        guard let separator = surl.range(of: "://") else { return nil }
        let rest = surl[separator.upperBound...]
        switch surl[..<separator.lowerBound].lowercased() {
        case "http", "dav": return "http://" + rest
        case "https", "davs": return "https://" + rest
        default: return nil
        }
    }

    static func scheme(_ surl: String) -> String {
        surl.range(of: "://").map { String(surl[..<$0.lowerBound]) } ?? surl
    }

    /// The errno FTS would print for an HTTP failure.
    static func errno(_ error: Error) -> Int {
        guard let error = error as? HTTPError else { return 5 }
        switch error.statusCode {
        case 401?, 403?: return 13
        case 404?: return 2
        case 409?: return 17
        case 507?: return 28
        case nil: return error.isTimeout ? 110 : 5
        default: return 5
        }
    }

    static func isRecoverable(_ error: HTTPError) -> Bool {
        guard let code = error.statusCode else { return true }
        return code >= 500
    }
}
