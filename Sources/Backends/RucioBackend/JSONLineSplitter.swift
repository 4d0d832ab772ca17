import Foundation

/// Splits a byte stream into lines as the bytes arrive, for `application/x-json-stream` replies (one JSON
/// value per `\n`-terminated line). Only the unfinished tail of the stream is held in memory, never the
/// whole reply. `\r\n` endings and blank lines are tolerated.
///
/// Not thread-safe: one splitter per stream.
public struct JSONLineSplitter {
    private var pending = Data()
    /// A line longer than this is treated as a malformed stream rather than buffered without bound.
    public let maxLineLength: Int

    public init(maxLineLength: Int = 16 << 20) { self.maxLineLength = maxLineLength }

    /// Feeds a chunk; calls `line` for each complete, non-blank line (without its terminator), in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, line: (Data) throws -> Void) throws {
        var start = 0
        let newline = UInt8(ascii: "\n")
        for index in 0..<chunk.count where chunk[index] == newline {
            if pending.isEmpty {
                try emit(Data(UnsafeRawBufferPointer(rebasing: chunk[start..<index])), line)
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<index]))
                let complete = pending
                pending = Data()
                try emit(complete, line)
            }
            start = index + 1
        }
        if start < chunk.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
            if pending.count > maxLineLength {
                throw JSONStreamError.lineTooLong(maxLineLength)
            }
        }
    }

    /// Convenience for tests and in-memory data.
    public mutating func feed(_ data: Data, line: (Data) throws -> Void) throws {
        try data.withUnsafeBytes { try feed($0, line: line) }
    }

    /// Ends the stream: a last line without a terminating newline is delivered here.
    public mutating func finish(line: (Data) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        let rest = pending
        pending = Data()
        try emit(rest, line)
    }

    private func emit(_ data: Data, _ line: (Data) throws -> Void) throws {
        var trimmed = data[...]
        while let last = trimmed.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            trimmed = trimmed.dropLast()
        }
        while let first = trimmed.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            trimmed = trimmed.dropFirst()
        }
        if trimmed.isEmpty { return }
        try line(Data(trimmed))
    }
}

public enum JSONStreamError: Error, Equatable, CustomStringConvertible {
    case lineTooLong(Int)
    case malformedLine(number: Int, reason: String)

    public var description: String {
        switch self {
        case .lineTooLong(let limit): return "a stream line is longer than \(limit) bytes"
        case .malformedLine(let number, let reason): return "stream line \(number) is not the expected JSON: \(reason)"
        }
    }
}
