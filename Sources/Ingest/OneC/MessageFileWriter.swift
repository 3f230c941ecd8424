import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// Writes an export to a temporary name in the folder and renames it into place, so 1C never picks up a
/// half-written message.
package enum MessageFileWriter {
    /// Writes the message into `folder`, stamped `created` (now, unless given: the demo stamps its own time, so
    /// that a second run writes the same file).
    package static func write(_ content: OneCExportContent, folder: String, created: Date = Date()) throws -> String {
        let name = "Message_\(content.ourNode)_\(content.peerNode).xml"
        let final = (folder as NSString).appendingPathComponent(name)
        let temporary = (folder as NSString).appendingPathComponent(".\(name).partial")
        let writer = try EnterpriseDataWriter(path: temporary)
        try writer.begin(.init(from: content.ourNode, to: content.peerNode, messageNo: content.messageNo,
                               receivedNo: content.receivedNo, creationDate: created))
        for counterparty in content.counterparties { try writer.counterparty(counterparty) }
        for invoice in content.invoices { try writer.invoice(invoice) }
        for deletion in content.deletions { try writer.deletion(referenceKind: deletion.kind, ref: deletion.ref) }
        try writer.finish()
        guard rename(temporary, final) == 0 else {
            throw HubError(.io, "cannot move the message into place: \(String(cString: strerror(errno)))",
                           location: SourceLocation(source: final))
        }
        return final
    }
}
