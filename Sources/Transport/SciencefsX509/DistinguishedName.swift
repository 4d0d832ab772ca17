import CCrypto

/// An X.509 name as a list of attribute/value pairs, most significant first, in the one-line form grid software
/// (and FTS) shows: `/DC=org/DC=example/O=Lab/CN=Alice Researcher`. Attribute types use OpenSSL's short names
/// (dotted OIDs for unknown ones); values are UTF-8 and are not escaped, as in `X509_NAME_oneline`. A component
/// that belongs to the same multi-valued RDN as the one before it is written with `+` instead of `/`.
struct DistinguishedName: Equatable, Sendable {
    struct Component: Equatable, Sendable {
        var type: String
        var value: String
        var joinsPrevious = false
    }

    var components: [Component]

    /// Reads an `X509_NAME` (borrowed; not freed here).
    init(_ name: OpaquePointer) {
        var components: [Component] = []
        var previousSet: Int32 = -1
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let set = X509_NAME_ENTRY_set(entry)
            components.append(Component(type: Self.typeName(X509_NAME_ENTRY_get_object(entry)),
                                        value: Self.utf8Value(X509_NAME_ENTRY_get_data(entry)),
                                        joinsPrevious: index > 0 && set == previousSet))
            previousSet = set
        }
        self.components = components
    }

    init(components: [Component]) {
        self.components = components
    }

    /// Parses the one-line form. `\/` stands for a slash inside a value; multi-valued RDNs are not recognised.
    init(oneLine text: String) throws {
        guard text.hasPrefix("/") else { throw X509Error(message: "a distinguished name must start with '/': \(text)") }
        var parts: [String] = []
        var current = ""
        var escaped = false
        for character in text.dropFirst() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "/" {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        components = try parts.map { part in
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else {
                throw X509Error(message: "'\(part)' in the distinguished name \(text) is not TYPE=value")
            }
            return Component(type: String(part[..<equals]), value: String(part[part.index(after: equals)...]))
        }
    }

    var oneLine: String {
        components.map { ($0.joinsPrevious ? "+" : "/") + $0.type + "=" + $0.value }.joined()
    }

    /// Whether this name is `issuer` plus exactly one trailing single-valued CN: the RFC 3820 rule for a proxy.
    func isProxyName(of issuer: DistinguishedName) -> Bool {
        guard components.count == issuer.components.count + 1, let last = components.last,
              last.type == "CN", !last.joinsPrevious
        else { return false }
        return Array(components.dropLast()) == issuer.components
    }

    /// A new `X509_NAME` the caller must free with `X509_NAME_free`.
    func makeX509Name() throws -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw X509Error.openSSL("allocating a name") }
        for component in components {
            let nid = OBJ_txt2nid(component.type)
            guard nid != NID_undef else {
                X509_NAME_free(name)
                throw X509Error(message: "unknown attribute type '\(component.type)' in \(oneLine)")
            }
            let bytes = Array(component.value.utf8)
            let added = X509_NAME_add_entry_by_NID(name, nid, sciencefs_mbstring_utf8(), bytes, Int32(bytes.count), -1,
                                                   component.joinsPrevious ? -1 : 0)
            guard added == 1 else {
                X509_NAME_free(name)
                throw X509Error.openSSL("adding \(component.type)=\(component.value) to a name")
            }
        }
        return name
    }

    private static func typeName(_ object: OpaquePointer?) -> String {
        guard let object else { return "?" }
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let short = OBJ_nid2sn(nid) { return String(cString: short) }
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return length > 0 ? String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    private static func utf8Value(_ data: UnsafeMutablePointer<ASN1_STRING>?) -> String {
        guard let data else { return "" }
        var out: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&out, data)
        guard length >= 0, let out else { return "" }
        defer { sciencefs_openssl_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }
}
