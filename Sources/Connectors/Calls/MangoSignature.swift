import Crypto
import Foundation

/// MANGO OFFICE's request signature, the same in both directions: `sign` = hex SHA-256 of
/// `vpbx_api_key + json + vpbx_api_salt`, over the exact `json` text sent. A received request is verified over
/// the raw form value, before anything parses it: re-serialising would change the text and the hash.
public struct MangoSignature: Sendable {
    public let apiKey: String
    private let salt: String

    public init(apiKey: String, salt: String) {
        self.apiKey = apiKey
        self.salt = salt
    }

    public func sign(_ json: String) -> String {
        SHA256.hash(data: Data((apiKey + json + salt).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `sign` is this key's signature of `json` from this key's PBX; compared in constant time.
    public func verifies(apiKey given: String, json: String, sign: String) -> Bool {
        let expected = Array(self.sign(json).utf8)
        let actual = Array(sign.lowercased().utf8)
        var difference = UInt8(expected.count == actual.count ? 0 : 1)
        for (left, right) in zip(expected, actual) { difference |= left ^ right }
        return difference == 0 && given == apiKey
    }

    /// The form body of a signed request: `vpbx_api_key`, `sign`, `json`, URL-encoded.
    public func formBody(json: String) -> String {
        [("vpbx_api_key", apiKey), ("sign", sign(json)), ("json", json)]
            .map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
    }

    /// application/x-www-form-urlencoded: unreserved characters as they are, the rest percent-encoded.
    public static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        allowed = allowed.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The fields of a form body (`a=1&b=2`), `+` as space, percent-decoded.
    public static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            let value = parts.count > 1
                ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }
}
