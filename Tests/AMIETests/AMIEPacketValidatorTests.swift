import AMIEBackend
import Foundation
import XCTest

/// The client-side validation that decides whether a packet may leave, as amieclient's `send_packet` decides.
final class AMIEPacketValidatorTests: XCTestCase {
    private func validate(_ text: String) throws -> AMIEJSON {
        try AMIEPacketValidator.validated(try AMIEJSON.parse(Data(text.utf8)))
    }

    func testMissingRequiredKeysAreNamedInDeclarationOrder() {
        XCTAssertThrowsError(try validate(#"{"type": "data_account_create", "body": {"ProjectID": "p1"}}"#)) { error in
            XCTAssertEqual(error as? AMIEValidationError, .missingKeys(["PersonID"]))
            XCTAssertEqual("\(error)", "missing keys: PersonID")
        }
        XCTAssertThrowsError(try validate(#"{"type": "notify_project_create", "body": {"ProjectID": "p1", "StartDate": null}}"#)) { error in
            XCTAssertEqual(error as? AMIEValidationError, .missingKeys(["GrantNumber", "PfosNumber", "PiOrgCode", "PiPersonID",
                                                                        "PiRemoteSiteLogin", "ProjectTitle", "ResourceList",
                                                                        "ServiceUnitsAllocated", "StartDate"]),
                           "a null value counts as missing")
        }
    }

    func testAReplyMayLeaveOutTheKeysTheServerInfers() throws {
        let reply = try validate("""
            {"type": "notify_project_create", "header": {"in_reply_to": 100001},
             "body": {"PiPersonID": "u1", "PiRemoteSiteLogin": "ada", "ProjectID": "p1"}}
            """)
        XCTAssertEqual(reply["DATA_TYPE"], .string("packet"))
        XCTAssertEqual(reply["header"]?["expected_reply_list"],
                       .array([.object(["type": .string("data_project_create"), "timeout": .int(30240)])]))
        // Without in_reply_to the same body is incomplete; in_reply_to 0 is "not a reply", as in Python.
        XCTAssertThrowsError(try validate("""
            {"type": "notify_project_create", "header": {"in_reply_to": 0},
             "body": {"PiPersonID": "u1", "PiRemoteSiteLogin": "ada", "ProjectID": "p1"}}
            """)) { XCTAssertTrue("\($0)".hasPrefix("missing keys: GrantNumber, PfosNumber"), "\($0)") }
    }

    func testUnknownTypesAndTypeRulesAreRefused() {
        XCTAssertThrowsError(try validate(#"{"type": "request_pizza", "body": {}}"#)) {
            XCTAssertEqual($0 as? AMIEValidationError, .unknownType("request_pizza"))
        }
        XCTAssertThrowsError(try validate(#"{"body": {}}"#)) { XCTAssertEqual($0 as? AMIEValidationError, .unknownType(nil)) }
        XCTAssertThrowsError(try validate("[1, 2]")) { XCTAssertTrue($0 is AMIEValidationError) }
        XCTAssertThrowsError(try validate("""
            {"type": "request_project_inactivate", "body": {"ProjectID": "p", "ResourceList": ["a", "b"]}}
            """)) { XCTAssertEqual($0 as? AMIEValidationError, .invalidValue(key: "ResourceList", why: "must have exactly one element")) }
        XCTAssertThrowsError(try validate(#"{"type": "request_user_modify", "body": {"ActionType": "paint", "PersonID": "u"}}"#)) {
            XCTAssertEqual($0 as? AMIEValidationError, .invalidValue(key: "ActionType", why: "must be add, delete or replace"))
        }
        XCTAssertThrowsError(try validate(#"{"type": "notify_person_duplicate", "body": {"PersonID1": "a"}}"#)) {
            XCTAssertEqual($0 as? AMIEValidationError, .missingKeys(["GlobalID2 or PersonID2"]))
        }
        XCTAssertThrowsError(try validate("""
            {"type": "request_project_reactivate", "body": {"ProjectID": "p", "ResourceList": ["a"], "StartDate": "soon"}}
            """)) { XCTAssertEqual($0 as? AMIEValidationError, .invalidValue(key: "StartDate", why: "not an ISO-8601 date")) }
    }

    func testRequestAccountCreateSendsItsExpectedRepliesAsStringsLikeAmieclient() throws {
        let packet = try validate("""
            {"type": "request_account_create", "body": {"GrantNumber": "g", "ResourceList": ["r"], "UserFirstName": "a",
             "UserLastName": "b", "UserOrganization": "o", "UserOrgCode": "1", "Unknown": [1, {"x": true}], "Gone": null}}
            """)
        XCTAssertEqual(packet["header"]?["expected_reply_list"], .array([.string("notify_account_create")]))
        XCTAssertEqual(packet["body"]?["Unknown"], .array([.int(1), .object(["x": .bool(true)])]), "unknown keys round-trip")
        XCTAssertNil(packet["body"]?["Gone"], "null body values are dropped, as as_dict() does")
    }

    func testPacketFileNamesRoundTrip() {
        XCTAssertEqual(AMIEPacketFileName.format(recID: 174709745, type: "request_account_create"),
                       "174709745-request_account_create.json")
        XCTAssertEqual(AMIEPacketFileName.parse("174709745-request_account_create.json")?.recID, 174709745)
        XCTAssertEqual(AMIEPacketFileName.parse("174709745-request_account_create.json")?.type, "request_account_create")
        XCTAssertNil(AMIEPacketFileName.parse("reply.json"))
        XCTAssertEqual(AMIEPacketFileName.parse("12-.json")?.recID, 12, "a packet without a type still opens")
        XCTAssertEqual(AMIEPacketFileName.parse("-5-x.json")?.recID, -5)
        XCTAssertNil(AMIEPacketFileName.parse("12.json"))
    }
}
