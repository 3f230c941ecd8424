import AsyncHTTPClient
import Connectors
import Foundation
import HubConfiguration
import HubCore
import NIOCore
import NIOHTTP1

/// Reads entity sets from 1C:ZUP's published OData interface (`…/odata/standard.odata/`), version 3 as 1C
/// speaks it: JSON by `$format=json`, pages by `$top` and `$skip`, Basic authentication.
///
/// Each answer is kept as received (`pages`): the load's hash is taken over them, so the same answers load
/// once.
struct ZUPODataClient: Sendable {
    /// The service root, without a trailing slash.
    let root: String
    let settings: ZUPODataSettings
    /// The `Authorization` header, when a user is set.
    private let authorization: String?

    /// - Parameter settingsFile: where the settings came from, for errors about them.
    init(root: String, settings: ZUPODataSettings, settingsFile: String) throws(HubError) {
        var root = root
        while root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.settings = settings
        guard let user = settings.user else {
            authorization = nil
            return
        }
        do {
            let name = Secrets.isReference(user) ? try Secrets.resolve(user) : user
            guard let reference = settings.password else {
                throw HubError(.configuration, "odata user is set but odata password is not; give it as "
                                   + "${env:NAME} or ${file:/path}", location: SourceLocation(source: settingsFile))
            }
            let password = try Secrets.resolve(reference)
            authorization = "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()
        } catch let error as SecretError {
            throw HubError(.configuration, "odata: \(error.description)", location: SourceLocation(source: settingsFile))
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError(.configuration, "\(error)")
        }
    }

    /// One page as received: the query that fetched it and its body.
    struct Page: Sendable {
        var entitySet: String
        var skip: Int
        var body: [UInt8]
        var entities: [ODataEntity]

        /// How a record of this page is named in quarantine: `Catalog_Сотрудники?$skip=500 value[3]`.
        func path(of entity: ODataEntity) -> String { "\(entitySet)?$skip=\(skip) value[\(entity.index)]" }
    }

    /// Every page of `entitySet` (filtered by `filter`, an OData expression), until a short page.
    func all(_ entitySet: String, filter: String? = nil, select: [String] = []) async throws -> [Page] {
        var pages: [Page] = []
        var skip = 0
        while true {
            var query = [("$format", "json"), ("$top", String(settings.pageSize)), ("$skip", String(skip))]
            if let filter { query.append(("$filter", filter)) }
            if !select.isEmpty { query.append(("$select", select.joined(separator: ","))) }
            let body = try await get(entitySet, query: query)
            let entities = try ODataPage.entities(body, source: "\(root)/\(entitySet)")
            pages.append(Page(entitySet: entitySet, skip: skip, body: body, entities: entities))
            if entities.count < settings.pageSize { return pages }
            skip += entities.count
        }
    }

    private func get(_ entitySet: String, query: [(String, String)]) async throws -> [UInt8] {
        let url = root + "/" + Self.encode(entitySet, allowed: .urlPathAllowed) + "?"
            + query.map { "\($0.0)=\(Self.encode($0.1, allowed: Self.queryValueAllowed))" }.joined(separator: "&")
        // Never the URL's query in errors: it is harmless, but long; the entity set names the request.
        let place = SourceLocation(source: "\(root)/\(entitySet)")
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response: HTTPClientResponse
        do {
            response = try await OutboundHTTP.client.execute(request, timeout: .seconds(Int64(settings.timeoutSeconds)))
        } catch {
            throw HubError(.remote, "the OData service cannot be reached: \(error)", location: place, cause: error,
                           isRetryable: true)
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxPageBytes)
        } catch {
            throw HubError(.remote, "the answer could not be read whole (past \(Self.maxPageBytes >> 20) MB, or cut "
                               + "off): \(error); lower odata page_size", location: place, cause: error,
                           isRetryable: true)
        }
        let bytes = Array(body.readableBytesView)
        switch response.status.code {
        case 200: return bytes
        case 401, 403:
            throw HubError(.configuration, "the OData service refused the user (\(response.status.code)); check odata "
                               + "user and password in the ZUP settings", location: place)
        case 404:
            throw HubError(.configuration, "the OData service has no \(entitySet) (404): publish it in 1C (Настройка "
                               + "стандартного интерфейса OData) or name the entity set in the ZUP settings",
                           location: place)
        default:
            let message = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
                .flatMap { ODataPage.errorMessage($0) } ?? String(decoding: bytes.prefix(200), as: UTF8.self)
            throw HubError(.remote, "the OData service answered \(response.status.code): \(message)", location: place,
                           isRetryable: response.status.code >= 500 || response.status.code == 429)
        }
    }

    /// A page larger than this is refused rather than held (1C's pages are `$top` entities, far smaller).
    static let maxPageBytes = 64 << 20

    private static let queryValueAllowed: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return allowed
    }()

    private static func encode(_ text: String, allowed: CharacterSet) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
