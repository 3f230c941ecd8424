import CRMWarehouse
import Foundation
import HubCore

/// The way out to 1C: the next EnterpriseData message for a node, written into its exchange folder. One path
/// for `crmhub export 1c-enterprisedata` and a job's `export` step.
package enum EnterpriseDataExport {
    /// The export's id, the same as the source kind that reads such messages.
    package static let id = OneCFormat.enterpriseData.rawValue

    /// CRMHub's node code when none is given: `$CRMHUB_NODE`, else `CRM`.
    package static func defaultOurNode(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["CRMHUB_NODE"].flatMap { $0.isEmpty ? nil : $0 } ?? "CRM"
    }

    /// Writes the next message for `peer` into `folder` (which must exist); what it carried. A `preview` writes
    /// it without recording it as sent (stamped `created` when given).
    package static func write(warehouse: Warehouse, peer: String, ourNode: String, organization: PartyReference?,
                             folder: String, preview: Bool = false, created: Date = Date()) async throws
        -> OneCExportReceipt
    {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw HubError(.configuration, "the exchange folder does not exist", location: SourceLocation(source: folder))
        }
        return try await OneCExportStore(warehouse: warehouse).export(
            peer: peer, ourNode: ourNode, organization: organization, preview: preview
        ) { content in try MessageFileWriter.write(content, folder: folder, created: created) }
    }
}
