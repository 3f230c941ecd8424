import AsyncHTTPClient
import Calls
import Connectors
import Foundation
import HubConfiguration
import HubCore
import NIOCore

/// MANGO OFFICE's VPBX API as CRMHub calls it: every request a form POST of `vpbx_api_key`, `sign` and `json`,
/// signed with the key and salt from the environment or a secrets file (never from a job file, never logged).
struct MangoAPIClient: Sendable {
    let root: String
    let settings: CallSettings.MangoSettings
    let signature: MangoSignature
    /// Waits between polls; a test passes a shorter one.
    var pause: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    init(settings: CallSettings.MangoSettings, root: String? = nil, settingsFile: String) throws(HubError) {
        var root = root ?? settings.apiURL
        if !root.hasSuffix("/") { root += "/" }
        self.root = root
        self.settings = settings
        signature = try Self.signature(settings, settingsFile: settingsFile)
    }

    /// The key and salt the settings refer to.
    static func signature(_ settings: CallSettings.MangoSettings, settingsFile: String) throws(HubError)
        -> MangoSignature
    {
        guard let keyReference = settings.apiKey, let saltReference = settings.apiSalt else {
            throw HubError(.configuration, "mango api_key and api_salt must be set (as ${env:NAME} or ${file:/path})",
                           location: SourceLocation(source: settingsFile))
        }
        do {
            return MangoSignature(apiKey: try Secrets.resolve(keyReference), salt: try Secrets.resolve(saltReference))
        } catch {
            throw HubError(.configuration, "mango: \(error.description)", location: SourceLocation(source: settingsFile))
        }
    }

    /// The basic statistics of calls from `from` to `to` (epoch seconds, at most a month): `stats/request`, then
    /// `stats/result` polled while it answers 204 (not ready). The CSV body.
    func statistics(from: Int64, to: Int64, requestID: String) async throws -> [UInt8] {
        let request = try JSONSerialization.data(withJSONObject: [
            "date_from": String(from), "date_to": String(to), "fields": settings.statsFields, "request_id": requestID,
        ], options: [.sortedKeys])
        let (status, body) = try await post("stats/request", json: String(decoding: request, as: UTF8.self))
        guard status == 200, let answer = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let key = answer["key"] as? String else {
            throw failure("stats/request", status: status, body: body)
        }
        let keyJSON = String(decoding: try JSONSerialization.data(withJSONObject: ["key": key]), as: UTF8.self)
        let deadline = ContinuousClock.now + .seconds(settings.resultTimeoutSeconds)
        while true {
            let (status, body) = try await post("stats/result", json: keyJSON)
            switch status {
            case 200: return body
            case 204:
                guard ContinuousClock.now < deadline else {
                    throw HubError(.remote, "the statistics were not ready after \(settings.resultTimeoutSeconds) s",
                                   location: place("stats/result"), isRetryable: true)
                }
                try await pause(.seconds(settings.pollSeconds))
            case 404:
                throw HubError(.remote, "the PBX does not know the statistics key (404): it expired or was never "
                                   + "issued", location: place("stats/result"), isRetryable: true)
            default:
                throw failure("stats/result", status: status, body: body)
            }
        }
    }

    /// What the call-tracking service knows of the visitor a tracking number is bound to (an empty object when
    /// none): `queries/user_info_by_dct_number`.
    func trackingInfo(number: String) async throws -> [String: Any] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: ["number": number]), as: UTF8.self)
        let (status, body) = try await post("queries/user_info_by_dct_number", json: json)
        guard status == 200, let answer = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw failure("queries/user_info_by_dct_number", status: status, body: body)
        }
        return answer
    }

    private func place(_ method: String) -> SourceLocation { SourceLocation(source: root + method) }

    private func post(_ method: String, json: String) async throws -> (UInt, [UInt8]) {
        var request = HTTPClientRequest(url: root + method)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: signature.formBody(json: json)))
        let response: HTTPClientResponse
        do {
            response = try await OutboundHTTP.client.execute(request, timeout: .seconds(Int64(settings.timeoutSeconds)))
        } catch {
            throw HubError(.remote, "the PBX cannot be reached: \(error)", location: place(method), cause: error,
                           isRetryable: true)
        }
        do {
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return (response.status.code, Array(body.readableBytesView))
        } catch {
            throw HubError(.remote, "the answer could not be read whole (past \(Self.maxBodyBytes >> 20) MB, or cut off)",
                           location: place(method), cause: error, isRetryable: true)
        }
    }

    private func failure(_ method: String, status: UInt, body: [UInt8]) -> HubError {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        switch status {
        case 401, 403:
            return HubError(.configuration, "the PBX refused the key or signature (\(status)): check mango api_key and "
                                + "api_salt", location: place(method))
        case 429:
            return HubError(.remote, "the PBX's rate limit was reached (429)", location: place(method),
                            isRetryable: true)
        default:
            return HubError(.remote, "the PBX answered \(status): \(text)", location: place(method),
                            isRetryable: status >= 500)
        }
    }

    static let maxBodyBytes = 512 << 20
}
