/// Adler-32 (RFC 1950) computed incrementally: the checksum Rucio records for a file and FTS3 verifies after a
/// transfer. The emulators share this one and no checksum code with the client side they test.
package struct Adler32: Sendable {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    package init() {}

    package var value: UInt32 { (b << 16) | a }

    /// Eight lowercase hex digits, zero-padded, as FTS3 and Rucio print it.
    package var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Sums are reduced modulo 65521 every 5552 bytes (as zlib does), the longest run that cannot overflow 32 bits.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while index < bytes.count {
            let end = min(index + 5552, bytes.count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= 65521
            b %= 65521
        }
    }

    package mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        update(UnsafeRawBufferPointer(bytes))
    }

    /// The normalised form of a hex value from a submission (`0A1B2C3D`, `a1b2c3d`): lowercase, 8 digits.
    package static func normalise(_ hex: String) -> String? {
        let lower = hex.lowercased()
        guard !lower.isEmpty, lower.count <= 8, lower.allSatisfy({ $0.isHexDigit }) else { return nil }
        return String(repeating: "0", count: 8 - lower.count) + lower
    }
}
