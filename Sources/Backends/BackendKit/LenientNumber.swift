import Foundation

/// A number that some servers (Agave, Tapis) and the Agave CLI write as a JSON number and others as a string.
public struct LenientNumber: Decodable, Equatable, Sendable {
    public let value: Double

    public init(_ value: Double) { self.value = value }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
        } else if let text = try? container.decode(String.self),
                  let number = Double(text.trimmingCharacters(in: .whitespaces)) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a number or a numeric string")
        }
    }

    /// The value as a byte count; negative, non-finite or too large values (2^64 and up) become nil.
    public var unsigned: UInt64? { value.isFinite && value >= 0 && value < 18_446_744_073_709_551_616.0 ? UInt64(value) : nil }
}
