import Foundation

/// One parser entry point under fuzzing. `parse` returns when the parser accepted the input and throws when it
/// rejected it; both are fine. What is not fine is a crash (the process dies), a hang, or a broken invariant,
/// which `parse` reports by throwing `FuzzInvariantViolation`.
struct FuzzTarget {
    let name: String
    let parse: (Data) throws -> Void

    init(_ name: String, _ parse: @escaping (Data) throws -> Void) {
        self.name = name
        self.parse = parse
    }
}

/// A property that must hold for every input a parser accepts (or for every input at all), and did not.
struct FuzzInvariantViolation: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Throws a violation unless `condition` holds.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) throws {
    if !condition() { throw FuzzInvariantViolation(message()) }
}
