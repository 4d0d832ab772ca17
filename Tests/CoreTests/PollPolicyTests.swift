import Foundation
import SciencefsCore
import XCTest

/// The one poll rule every server-side job is followed by (docs/TRANSFERS.md), checked without waiting: the schedule
/// is a value and the time is an argument.
final class PollPolicyTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    func testPausesGrowFromTheFirstIntervalByTheFactorUpToTheCap() {
        let policy = PollPolicy(firstInterval: 0.2, backoff: 2, maxInterval: 5)
        XCTAssertEqual((1...8).map { policy.interval(afterPoll: $0) }, [0.2, 0.4, 0.8, 1.6, 3.2, 5, 5, 5])
        XCTAssertEqual(policy.interval(afterPoll: 10_000), 5, "no overflow after many polls")
        XCTAssertEqual(PollPolicy(firstInterval: 9, maxInterval: 1).firstInterval, 1, "the first pause is within the cap")
    }

    func testTheFirstPollIsDueAtOnceAndEachAnswerSchedulesTheNext() {
        var schedule = PollSchedule(policy: PollPolicy(firstInterval: 1, backoff: 3, maxInterval: 100), now: start)
        XCTAssertTrue(schedule.isDue(start))
        XCTAssertEqual(schedule.answered(now: start), .pollAgain(due: start.addingTimeInterval(1)))
        XCTAssertFalse(schedule.isDue(start.addingTimeInterval(0.5)))
        XCTAssertEqual(schedule.answered(now: start.addingTimeInterval(1)), .pollAgain(due: start.addingTimeInterval(4)))
    }

    func testFailuresGiveUpOnlyWhenBothTheCountAndTheOutageAreReached() {
        let policy = PollPolicy(firstInterval: 1, backoff: 1, maxInterval: 1, maxConsecutiveFailures: 3, minOutage: 60)
        var schedule = PollSchedule(policy: policy, now: start)
        for second in 1...5 {
            guard case .pollAgain = schedule.failed(notFound: false, now: start.addingTimeInterval(Double(second))) else {
                return XCTFail("gave up after \(second) s: five failures in a row, but a short outage")
            }
        }
        guard case .giveUp(let reason) = schedule.failed(notFound: false, now: start.addingTimeInterval(61)) else {
            return XCTFail("six failures over 61 s must give up")
        }
        XCTAssertTrue(reason.contains("6 polls in a row failed"), reason)

        var slow = PollSchedule(policy: policy, now: start)
        guard case .pollAgain = slow.failed(notFound: false, now: start.addingTimeInterval(600)) else {
            return XCTFail("one failure is not a give-up, however long ago the last answer was")
        }
    }

    func testAnAnswerResetsTheFailureCountAndTheOutage() {
        let policy = PollPolicy(firstInterval: 1, backoff: 1, maxInterval: 1, maxConsecutiveFailures: 2, minOutage: 10)
        var schedule = PollSchedule(policy: policy, now: start)
        _ = schedule.failed(notFound: false, now: start.addingTimeInterval(20))
        _ = schedule.answered(now: start.addingTimeInterval(21))
        XCTAssertEqual(schedule.consecutiveFailures, 0)
        guard case .pollAgain = schedule.failed(notFound: false, now: start.addingTimeInterval(22)) else {
            return XCTFail("the count starts again after an answer")
        }
        guard case .pollAgain = schedule.failed(notFound: false, now: start.addingTimeInterval(23)) else {
            return XCTFail("two failures, but only 2 s since the last answer")
        }
        guard case .giveUp = schedule.failed(notFound: false, now: start.addingTimeInterval(32)) else {
            return XCTFail("three failures over 11 s without an answer")
        }
    }

    func testNotFoundGivesUpAtOnce() {
        var schedule = PollSchedule(policy: .standard, now: start)
        guard case .giveUp(let reason) = schedule.failed(notFound: true, now: start) else { return XCTFail("404 ends it") }
        XCTAssertTrue(reason.contains("does not know"), reason)
    }

    func testAMaxDurationEndsEvenAJobThatAnswers() {
        var limited = PollSchedule(policy: PollPolicy(maxDuration: 3600), now: start)
        guard case .pollAgain = limited.answered(now: start.addingTimeInterval(3599)) else { return XCTFail("within the limit") }
        guard case .giveUp = limited.answered(now: start.addingTimeInterval(3600)) else { return XCTFail("past the limit") }
        var unlimited = PollSchedule(policy: .standard, now: start)
        guard case .pollAgain = unlimited.answered(now: start.addingTimeInterval(30 * 86_400)) else {
            return XCTFail("by default a running job is followed as long as it runs (tape takes days)")
        }
    }
}
