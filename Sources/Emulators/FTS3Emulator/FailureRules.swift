import EmulatorSupport
import Foundation

/// Files told to fail (`FTS3Emulator.failFiles(matching:reason:)`): a file whose source or destination URL
/// contains a rule's substring fails with its reason once it has been ACTIVE for the transfer duration,
/// without touching the storage. Rules stay until the emulator is gone; the first matching rule wins.
/// Thread-safe.
final class FailureRules: @unchecked Sendable {
    private let rules = LockedValue<[(substring: String, reason: String)]>([])

    func add(substring: String, reason: String) {
        rules.update { $0.append((substring, reason)) }
    }

    func reason(for file: TransferFile) -> String? {
        rules.get().first { file.source.contains($0.substring) || file.destination.contains($0.substring) }?.reason
    }
}
