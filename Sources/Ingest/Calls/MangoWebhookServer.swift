import CRMWarehouse
import Calls
import Connectors
import Crypto
import Foundation
import HubCore
import Hummingbird
import Logging
import NIOCore

/// `crmhub serve webhooks`: MANGO OFFICE's notifications received, and the PBX's routing lookup answered.
///
/// - `POST …/events/call`, `POST …/events/summary`: the form's signature is checked over the raw `json` value
///   before anything parses it (a bad one: 403, nothing stored); each event is kept once (`ops.mango_events`,
///   by entry, leg and `seq`: repeats and any order of arrival are fine), and the answer is 200 at once. A call
///   is classified (`CallStore`, like the stats) when its summary has come — again when a late event of it
///   arrives. A leg that came through a call-tracking number has its visitor asked for at once
///   (`queries/user_info_by_dct_number`), for the client it may create.
/// - `POST …/routing/responsible` (signed, json `{"number": "…"}`): the client found by the number and its
///   responsible (`CallCentreQueries.responsible`), `{}` for a number no client has.
package struct MangoWebhookServer: Sendable {
    package let warehouse: Warehouse
    package let settings: CallSettings
    let signature: MangoSignature
    let api: MangoAPIClient
    let processor: MangoCallProcessor

    package static let sourceKind = "calls-mango-webhook"
    static let maxBodyBytes = 1 << 20

    package init(warehouse: Warehouse, settings: CallSettings, settingsFile: String) throws(HubError) {
        self.warehouse = warehouse
        self.settings = settings
        api = try MangoAPIClient(settings: settings.mango, settingsFile: settingsFile)
        signature = api.signature
        processor = MangoCallProcessor(warehouse: warehouse, settings: settings)
    }

    /// Serves on `host:port` (port 0: any free one) until cancelled; `onRunning` is told the port.
    package func run(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        try await CallStore.record(settings.record, warehouse: warehouse)
        // Calls whose summary came while the server was down (or whose processing was cut off) first.
        await processor.catchUp()
        let router = Router()
        router.get("health") { _, _ in "ok" }
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            return await self.answer(path: request.uri.path, body: String(buffer: body))
        }
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)),
                              onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                              logger: warehouse.logger)
        try await app.run()
    }

    /// The answer to one POST: its path and its form body.
    func answer(path: String, body: String) async -> Response {
        let form = MangoSignature.formFields(body)
        guard let key = form["vpbx_api_key"], let sign = form["sign"], let json = form["json"],
              signature.verifies(apiKey: key, json: json, sign: sign) else {
            warehouse.logger.warning("refused a request with a missing or wrong signature", metadata: ["http.path": "\(path)"])
            return Self.text(.forbidden, "the signature does not verify")
        }
        do {
            if path.hasSuffix("/routing/responsible") { return try await routing(json) }
            let event: MangoWebhookEvent
            do {
                event = try MangoWebhookEvent.decode(endpoint: path, json: json)
            } catch {
                return Self.text(path.contains("/events/") ? .badRequest : .notFound, error.description)
            }
            switch event {
            case .call(let call):
                let new = try await CallCentreQueries(warehouse: warehouse)
                    .storeEvent(kind: "call", entryID: call.entryID, callID: call.callID, seq: call.seq, json: json)
                if new, let number = call.trackingNumber, call.state == "Appeared", (call.trackingType ?? 0) > 0 {
                    Task { await processor.askTracking(entryID: call.entryID, number: number, api: api) }
                }
                if new, try await CallCentreQueries(warehouse: warehouse).hasSummary(entryID: call.entryID) {
                    Task { await processor.process(call.entryID) }
                }
            case .summary(let summary):
                if try await CallCentreQueries(warehouse: warehouse)
                    .storeEvent(kind: "summary", entryID: summary.entryID, callID: "", seq: 0, json: json) {
                    Task { await processor.process(summary.entryID) }
                }
            }
            return Self.text(.ok, "ok")
        } catch {
            warehouse.logger.error("a notification could not be stored: \(Warehouse.describe(error))",
                                   metadata: ["http.path": "\(path)"])
            // 5xx: MANGO OFFICE sends it again.
            return Self.text(.serviceUnavailable, "not stored; send again")
        }
    }

    private func routing(_ json: String) async throws -> Response {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let given = (object?["number"] as? String) ?? (object?["number"] as? NSNumber)?.stringValue
        guard let given else { return Self.text(.badRequest, "number: missing") }
        var fields: [String: Any] = [:]
        if let phone = PhoneNumber(given),
           let found = try await CallCentreQueries(warehouse: warehouse).responsible(forPhone: phone.e164) {
            fields = ["client_id": found.clientID, "client_name": found.clientName,
                      "phone": settings.phoneFormat.format(phone.e164)]
            if let responsible = found.extension { fields["extension"] = responsible }
        }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}

/// Classifies the calls webhooks completed, one at a time (their loads take the calls lock anyway).
actor MangoCallProcessor {
    let warehouse: Warehouse
    let settings: CallSettings

    init(warehouse: Warehouse, settings: CallSettings) {
        self.warehouse = warehouse
        self.settings = settings
    }

    /// Loads the call from its events: one batch, named by the call; the same events again change nothing.
    func process(_ entryID: String) async {
        let queries = CallCentreQueries(warehouse: warehouse)
        do {
            let texts = try await queries.callEvents(entryID: entryID)
            let events = texts.compactMap { text -> MangoCallEvent? in
                guard case .call(let event) = try? MangoWebhookEvent.decode(endpoint: "/events/call", json: text)
                else { return nil }
                return event
            }
            let legs = MangoCallEvent.legs(events)
            let content = Data(texts.joined(separator: "\n").utf8)
            let source = BatchSource(sourceKind: MangoWebhookServer.sourceKind, sourceName: "events \(entryID)",
                                     sha256: SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined(),
                                     byteCount: Int64(content.count), encoding: "utf-8")
            let classifier = CallClassifier(settings: settings)
            _ = try await CallStore(warehouse: warehouse).load(
                source, classify: { classifier.classify($0) }, replaceLegs: true
            ) { writer in
                for leg in legs { try await writer.append(leg) }
            }
            try await queries.markProcessed(entryID: entryID)
        } catch {
            warehouse.logger.error("the call could not be classified: \(Warehouse.describe(error))",
                                   metadata: ["call.entry_id": "\(entryID)"])
        }
    }

    /// Every call whose summary came and whose events are not all processed.
    func catchUp() async {
        do {
            var entries: [String] = []
            for try await entry in try await warehouse.client.query("""
                SELECT DISTINCT e.entry_id FROM ops.mango_events e
                WHERE NOT e.processed
                  AND EXISTS (SELECT 1 FROM ops.mango_events s WHERE s.event_kind = 'summary' AND s.entry_id = e.entry_id)
                ORDER BY 1
                """, logger: warehouse.logger).decode(String.self) {
                entries.append(entry)
            }
            for entry in entries { await process(entry) }
        } catch {
            warehouse.logger.error("the calls received before could not be looked up: \(Warehouse.describe(error))")
        }
    }

    /// Asks the call-tracking service about the visitor behind `number`, and keeps the answer with the call.
    func askTracking(entryID: String, number: String, api: MangoAPIClient) async {
        do {
            let info = try await api.trackingInfo(number: number)
            guard !info.isEmpty else { return }
            try await CallCentreQueries(warehouse: warehouse)
                .storeTracking(entryID: entryID, number: number, answer: TrackingAnswer(info))
        } catch {
            warehouse.logger.warning("no call-tracking data: \((error as? HubError)?.description ?? "\(error)")",
                                     metadata: ["call.entry_id": "\(entryID)"])
        }
    }
}

extension TrackingAnswer {
    /// From `user_info_by_dct_number`'s fields (docs/connectors/calls-mango.md).
    init(_ info: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys])) ?? Data()
        self.init(raw: String(decoding: data, as: UTF8.self))
        func text(_ value: Any?) -> String? {
            switch value {
            case let string as String: string.isEmpty ? nil : string
            case let number as NSNumber: number.stringValue
            default: nil
            }
        }
        let location = info["location"] as? [String: Any]
        let channel = info["channel"] as? [String: Any]
        let page = info["current_page"] as? [String: Any]
        clientID = text(info["uid"])
        googleCID = text(info["ga_cid"])
        city = text(location?["city"]) ?? text(location?["country_code"])
        countryCode = text(location?["country_code"])
        utmSource = text(channel?["source"])
        utmMedium = text(channel?["medium"])
        utmCampaign = text(channel?["campaign"])
        utmContent = text(channel?["content"])
        utmTerm = text(channel?["term"])
        secondsOnSite = text(info["duration"]).flatMap { Int($0) }
        self.page = text(page?["url"])
        contextID = text(info["context_id"]) ?? text(info["widget_id"])
    }
}
