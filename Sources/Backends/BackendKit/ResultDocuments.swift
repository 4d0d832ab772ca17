import Foundation
import SciencefsCore
import SciencefsHTTP

/// The bytes of `job.json` and `history.json`: the `result` of the server's reply, pretty-printed with sorted
/// keys and a final newline. Sorted keys make the bytes depend only on the content, so two fetches of an
/// unchanged job give identical files (and the size `stat` reported stays true for `read`).
public enum ResultDocuments {
    /// Extracts `result` from an envelope and pretty-prints it.
    public static func prettyResult(of body: Data, url: String) throws -> Data {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw FSError.io("malformed JSON from \(URLRedaction.redact(url)): \(error.localizedDescription)")
        }
        guard let envelope = object as? [String: Any], let result = envelope["result"], !(result is NSNull) else {
            throw FSError.io("malformed JSON from \(URLRedaction.redact(url)): no result")
        }
        return try pretty(result)
    }

    /// An already-decoded JSON value, pretty-printed.
    public static func pretty(_ value: Any) throws -> Data {
        // Foundation traps (rather than throws) on a top-level value that is not an object or array, or on one it
        // cannot encode: check first, so a server's odd `result` is an error, not a crash.
        guard value is [String: Any] || value is [Any], JSONSerialization.isValidJSONObject(value) else {
            throw FSError.io("cannot format job document: the server's result is not a JSON object or array")
        }
        do {
            var data = try JSONSerialization.data(withJSONObject: value,
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw FSError.io("cannot format job document: \(error.localizedDescription)")
        }
    }

    /// The `result` array of one page of an enveloped list reply (history events), as JSON fragments.
    public static func resultArray(of body: Data, url: String) throws -> [Any] {
        guard let envelope = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              let rows = envelope["result"] as? [Any] else {
            throw FSError.io("malformed JSON from \(URLRedaction.redact(url)): result is not an array")
        }
        return rows
    }
}
