@testable import CLISupport
import XCTest

/// Where the config, the caches and the demo's state live for a given environment: `$HOME` and the XDG variables
/// first, the passwd entry only when `HOME` is unset.
final class UserDirectoriesTests: XCTestCase {
    private let passwd: () -> String? = { "/home/from-passwd" }

    func testHomeDecidesWhenNoXDGVariableIsSet() {
        let dirs = UserDirectories(environment: ["HOME": "/tmp/alice"], passwdHome: passwd)
        XCTAssertEqual(dirs.configFile.path, "/tmp/alice/.config/sciencefs/config.toml")
        XCTAssertEqual(dirs.cacheRoot.path, "/tmp/alice/.cache/sciencefs")
        XCTAssertEqual(dirs.demoState.path, "/tmp/alice/.cache/sciencefs/demo")
    }

    func testXDGVariablesWinOverHome() {
        let dirs = UserDirectories(environment: ["HOME": "/tmp/alice", "XDG_CONFIG_HOME": "/etc/xdg-alice",
                                                 "XDG_CACHE_HOME": "/scratch/alice/cache"], passwdHome: passwd)
        XCTAssertEqual(dirs.configFile.path, "/etc/xdg-alice/sciencefs/config.toml")
        XCTAssertEqual(dirs.cacheRoot.path, "/scratch/alice/cache/sciencefs")
        XCTAssertEqual(dirs.demoState.path, "/scratch/alice/cache/sciencefs/demo")
    }

    func testEmptyOrRelativeXDGVariablesAreIgnoredAsTheSpecificationSays() {
        let dirs = UserDirectories(environment: ["HOME": "/tmp/bob", "XDG_CONFIG_HOME": "",
                                                 "XDG_CACHE_HOME": "relative/cache"], passwdHome: passwd)
        XCTAssertEqual(dirs.configFile.path, "/tmp/bob/.config/sciencefs/config.toml")
        XCTAssertEqual(dirs.cacheRoot.path, "/tmp/bob/.cache/sciencefs")
    }

    func testThePasswdEntryIsTheFallbackOnlyWhenHomeIsUnsetOrEmpty() {
        XCTAssertEqual(UserDirectories(environment: [:], passwdHome: passwd).cacheRoot.path, "/home/from-passwd/.cache/sciencefs")
        XCTAssertEqual(UserDirectories(environment: ["HOME": ""], passwdHome: passwd).home.path, "/home/from-passwd")
        XCTAssertEqual(UserDirectories(environment: [:], passwdHome: { nil }).home.path, "/")
    }

    func testTwoHomesGiveTwoDemoStates() {
        let first = UserDirectories(environment: ["HOME": "/tmp/one"], passwdHome: passwd)
        let second = UserDirectories(environment: ["HOME": "/tmp/two"], passwdHome: passwd)
        XCTAssertNotEqual(first.demoState, second.demoState)
    }

    func testTildeExpandsAgainstHomeAndOtherUsersThroughPasswd() {
        let dirs = UserDirectories(environment: ["HOME": "/tmp/carol"], passwdHome: passwd)
        XCTAssertEqual(dirs.expandTilde("~"), "/tmp/carol")
        XCTAssertEqual(dirs.expandTilde("~/certs/user.pem"), "/tmp/carol/certs/user.pem")
        XCTAssertEqual(dirs.expandTilde("~root/x"), "/root/x", "another user's home comes from the passwd database")
        XCTAssertEqual(dirs.expandTilde("~no-such-user-here/x"), "~no-such-user-here/x")
        XCTAssertEqual(dirs.expandTilde("/abs/~/x"), "/abs/~/x")
    }

    func testTheRealPasswdEntryIsFound() {
        XCTAssertNotNil(UserDirectories.passwdHome(), "this user has a passwd entry with a home directory")
    }
}
