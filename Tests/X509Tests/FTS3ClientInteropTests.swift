import Foundation
import SciencefsX509
import TestSupport
import XCTest

/// Holds this module to the real FTS3 Python client (fts3 3.14.2, M2Crypto): M2Crypto must read our proxies the way
/// the client reads a user's proxy file, and the proxies the client's own delegation code signs (RFC 3820 and
/// legacy mode) must pass `verifyDelegated`, as they must on the emulator.
final class FTS3ClientInteropTests: XCTestCase {
    static let fts3Version = "3.14.2"
    static let m2cryptoVersion = "0.51.0"

    func testRealClientReadsOurProxyAndSignsRequestsWeVerify() throws {
        let python = try Self.clientPython()
        let pki = try X509TestSupport.pki()
        let user = try X509TestSupport.userCertificate(pki)
        let ca = try X509TestSupport.caCertificate(pki)
        let directory = try X509TestSupport.temporaryDirectory("fts3-interop")
        defer { try? FileManager.default.removeItem(at: directory) }

        let serverKey = try PrivateKey.generateRSA()
        let requestFile = directory.appendingPathComponent("request.pem")
        try X509TestSupport.write(CertificateRequest.make(key: serverKey, subject: "/CN=proxy").pem, to: requestFile)
        let script = directory.appendingPathComponent("interop.py")
        try X509TestSupport.write(Self.script, to: script)
        let rfcOut = directory.appendingPathComponent("rfc.pem"), legacyOut = directory.appendingPathComponent("legacy.pem")
        let result = try TestProcess.run(python, [script.path, pki.userCertificate.path, pki.userKey.path, requestFile.path,
                                                  pki.userProxy.path, rfcOut.path, legacyOut.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("M2CRYPTO-PARSED"), result.output)
        XCTAssertTrue(result.output.contains("ALL CHECKS PASSED"), result.output)

        for (file, expectRFC) in [(rfcOut, true), (legacyOut, false)] {
            let chain = try Certificate.all(inPEM: String(contentsOf: file, encoding: .utf8))
            XCTAssertEqual(chain.count, 2)
            XCTAssertEqual(chain.first?.isProxy, expectRFC)
            let verified = try ProxyCertificate.verifyDelegated(chain: chain, expectedKey: serverKey, trustedCAs: [ca])
            XCTAssertEqual(verified.userDN, pki.userDN)
            XCTAssertLessThanOrEqual(verified.terminationTime, user.notAfter)
            XCTAssertEqual(verified.terminationTime.timeIntervalSinceNow, 7 * 3600, accuracy: 120)
            XCTAssertEqual(chain.first.map(ProxyCertificate.endEntitySubject(of:)), pki.userDN)
        }
    }

    /// Checks run inside the client's venv. The client's `_sign_request` needs only `x509`, `x509_list` and
    /// `evp_key` from its context, so a stand-in context avoids any HTTP.
    static let script = #"""
    import sys, types
    from datetime import timedelta
    from M2Crypto import X509, EVP
    from fts3.rest.client.delegator import Delegator

    user_cert, user_key, request_file, our_proxy_file, out_rfc, out_legacy = sys.argv[1:7]
    user = X509.load_cert(user_cert)

    proxy = X509.load_cert(our_proxy_file)
    assert proxy.verify(user.get_pubkey()) == 1, "our proxy's signature does not verify with the user key"
    assert proxy.get_issuer().as_text() == user.get_subject().as_text()
    assert proxy.get_serial_number() == user.get_serial_number()
    info = proxy.get_ext("proxyCertInfo")
    assert info.get_critical() == 1, "proxyCertInfo is not critical"
    assert "Inherit all" in info.get_value(), info.get_value()
    assert EVP.load_key(our_proxy_file).get_rsa().pub() == proxy.get_pubkey().get_rsa().pub(), "key and proxy differ"
    print("M2CRYPTO-PARSED", proxy.get_subject().as_text())

    context = types.SimpleNamespace(x509=user, x509_list=[user], evp_key=EVP.load_key(user_key))
    delegator = Delegator(context)
    request = X509.load_request(request_file)
    for legacy, out in ((False, out_rfc), (True, out_legacy)):
        signed = delegator._sign_request(request, timedelta(hours=7), legacy)
        with open(out, "wb") as f:
            f.write(delegator._full_proxy_chain(signed))
    print("ALL CHECKS PASSED")
    """#

    // MARK: - Python environment

    /// A Python with the fts3 client and M2Crypto: an existing venv that imports both (the shared FTS3 one, then
    /// /tmp/fts3venv), else a venv of this test's own, created once and reused between local runs. Building
    /// M2Crypto needs swig and the OpenSSL headers; without them (or without network) the test is skipped.
    static func clientPython() throws -> String {
        let own = PythonVenv(name: "x509-fts3", version: fts3Version)
        let candidates = [PythonVenv(name: "fts3", version: fts3Version), PythonVenv(directory: URL(fileURLWithPath: "/tmp/fts3venv")), own]
        if let venv = candidates.first(where: { $0.passes(importCheck) }) {
            return venv.python
        }
        guard let basePython = TestProcess.which("python3") else { throw XCTSkip("python3 is not installed") }
        let installed = try own.recreate(basePython: basePython, installs: [["fts3==\(fts3Version)", "M2Crypto==\(m2cryptoVersion)"]])
        guard installed.allSatisfy({ $0.status == 0 }), own.passes(importCheck) else {
            try? FileManager.default.removeItem(at: own.directory)
            throw XCTSkip("could not install the fts3 client and M2Crypto:\n\(installed.map(\.output).joined())")
        }
        return own.python
    }

    private static let importCheck = "import M2Crypto, fts3.rest.client.delegator"
}
