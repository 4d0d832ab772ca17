import CCrypto
import Foundation

/// A throw-away PKI made at test time (tests and the demo): a CA, a server certificate for 127.0.0.1/localhost, a
/// user certificate and an RFC 3820 proxy of it, written as PEM files into `directory`. Private keys are written
/// unencrypted with mode 0600.
public struct TestPKI: Sendable {
    public let directory: URL
    /// ca.pem
    public let caCertificate: URL
    /// certificates/: ca.pem as `<subject_hash>.0`, usable as OpenSSL's CApath or X509_CERT_DIR.
    public let caDirectory: URL
    /// server.pem: SAN IP:127.0.0.1 and DNS:localhost, EKU serverAuth.
    public let serverCertificate: URL
    /// server.key (mode 0600).
    public let serverKey: URL
    /// user.pem: EKU clientAuth, subject `/DC=org/DC=sciencefs-test/O=Test/CN=<common name>`.
    public let userCertificate: URL
    /// user.key (mode 0600).
    public let userKey: URL
    /// userproxy.pem: a 12-hour RFC 3820 proxy: proxy certificate, its key, then the user certificate (mode 0600).
    public let userProxy: URL
    /// The user certificate's subject in one-line form.
    public let userDN: String

    static let proxyLifetime: TimeInterval = 12 * 3600
    /// Certificates start an hour in the past so that small clock differences between processes do not matter.
    static let backdating: TimeInterval = 3600

    /// Creates `directory` if needed and writes the PKI into it, replacing files of the same names. Every
    /// certificate is valid from an hour ago until `validity` from now.
    public static func create(in directory: URL, userCommonName: String = "Alice Researcher",
                              validity: TimeInterval = 7 * 86400) throws -> TestPKI {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let now = Date()
        let notBefore = now.addingTimeInterval(-backdating), notAfter = now.addingTimeInterval(validity)
        guard notAfter > now else { throw X509Error(message: "a test PKI needs a positive validity, got \(validity) s") }

        let caKey = try PrivateKey.generateRSA()
        let ca = try issue(subject: "/DC=org/DC=sciencefs-test/CN=Sciencefs Test CA", key: caKey, issuer: nil, issuerKey: caKey,
                           notBefore: notBefore, notAfter: notAfter, extensions: [
                               .init(nid: NID_basic_constraints, value: "critical,CA:TRUE"),
                               .init(nid: NID_key_usage, value: "critical,keyCertSign,cRLSign"),
                               .init(nid: NID_subject_key_identifier, value: "hash"),
                           ])
        let serverKey = try PrivateKey.generateRSA()
        let server = try issue(subject: "/DC=org/DC=sciencefs-test/O=Test/CN=localhost", key: serverKey, issuer: ca,
                               issuerKey: caKey, notBefore: notBefore, notAfter: notAfter,
                               extensions: endEntityExtensions(usage: "serverAuth") + [
                                   .init(nid: NID_subject_alt_name, value: "IP:127.0.0.1,DNS:localhost"),
                               ])
        let userKey = try PrivateKey.generateRSA()
        let user = try issue(subject: "/DC=org/DC=sciencefs-test/O=Test/CN=\(userCommonName)", key: userKey, issuer: ca,
                             issuerKey: caKey, notBefore: notBefore, notAfter: notAfter,
                             extensions: endEntityExtensions(usage: "clientAuth"))
        let proxyKey = try PrivateKey.generateRSA()
        let proxy = try ProxyCertificate.sign(request: CertificateRequest.make(key: proxyKey, subject: "/CN=proxy"),
                                              issuer: user, issuerKey: userKey, chain: [user],
                                              lifetime: proxyLifetime, now: now)

        let pki = TestPKI(directory: directory, caHashName: ca.subjectHash + ".0", userDN: user.subject)
        try FileManager.default.createDirectory(at: pki.caDirectory, withIntermediateDirectories: true)
        try write(ca.pem, to: pki.caCertificate)
        try write(ca.pem, to: pki.caDirectory.appendingPathComponent(ca.subjectHash + ".0"))
        try write(server.pem, to: pki.serverCertificate)
        try write(serverKey.pem(), to: pki.serverKey, secret: true)
        try write(user.pem, to: pki.userCertificate)
        try write(userKey.pem(), to: pki.userKey, secret: true)
        try write(proxy.pem + proxyKey.pem() + user.pem, to: pki.userProxy, secret: true)
        return pki
    }

    private init(directory: URL, caHashName: String, userDN: String) {
        self.directory = directory
        caCertificate = directory.appendingPathComponent("ca.pem")
        caDirectory = directory.appendingPathComponent("certificates", isDirectory: true)
        serverCertificate = directory.appendingPathComponent("server.pem")
        serverKey = directory.appendingPathComponent("server.key")
        userCertificate = directory.appendingPathComponent("user.pem")
        userKey = directory.appendingPathComponent("user.key")
        userProxy = directory.appendingPathComponent("userproxy.pem")
        self.userDN = userDN
    }

    private static func endEntityExtensions(usage: String) -> [CertificateBuilder.Extension] {
        [
            .init(nid: NID_basic_constraints, value: "critical,CA:FALSE"),
            .init(nid: NID_key_usage, value: "critical,digitalSignature,keyEncipherment"),
            .init(nid: NID_ext_key_usage, value: usage),
            .init(nid: NID_subject_key_identifier, value: "hash"),
            .init(nid: NID_authority_key_identifier, value: "keyid"),
        ]
    }

    private static func issue(subject: String, key: PrivateKey, issuer: Certificate?, issuerKey: PrivateKey,
                              notBefore: Date, notAfter: Date,
                              extensions: [CertificateBuilder.Extension]) throws -> Certificate {
        let name = try DistinguishedName(oneLine: subject).makeX509Name()
        defer { X509_NAME_free(name) }
        let builder = CertificateBuilder(subject: name, publicKey: key.pkey, serial: .random, notBefore: notBefore,
                                         notAfter: notAfter, extensions: extensions)
        return try withExtendedLifetime(key) { try builder.sign(issuer: issuer, issuerKey: issuerKey) }
    }

    /// Writes `text`, replacing any existing file. Secrets are created with mode 0600 from the start, never
    /// readable by others even briefly.
    private static func write(_ text: String, to url: URL, secret: Bool = false) throws {
        let path = url.path
        if unlink(path) != 0, errno != ENOENT {
            throw X509Error(message: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0o600 : 0o644)
        guard descriptor >= 0 else { throw X509Error(message: "cannot create \(path): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
