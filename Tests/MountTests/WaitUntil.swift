import Foundation

/// Polls `condition` every 0.2 s until it holds or `seconds` have passed; returns whether it held. For waiting on
/// something a mount does in the background (a job followed to its end), never for timing it.
func waitUntil(seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(200_000)
    }
    return condition()
}
