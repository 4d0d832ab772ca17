import Foundation

/// Reads the `exp` claim of a Tapis JWT (its payload is base64url JSON), so a token given in the config is renewed
/// before it expires rather than after a rejected request. The signature is not checked: the server does that.
enum TapisJWT {
    static func expiry(of token: String) -> Date? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let payload = Data(base64Encoded: base64),
              let claims = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any],
              let exp = claims["exp"] as? NSNumber else { return nil }
        return Date(timeIntervalSince1970: exp.doubleValue)
    }
}
