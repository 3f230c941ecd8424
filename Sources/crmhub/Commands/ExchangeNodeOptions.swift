import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Ingest

/// Options shared by the 1C exchange commands.
struct ExchangeNodeOptions: ParsableArguments {
    @Option(name: .customLong("our-node"), help: ArgumentHelp(
        "CRMHub's node code in the 1C exchange (the To of messages 1C sends us). Default: $CRMHUB_NODE or CRM.",
        valueName: "code"))
    var ourNodeOption: String?

    var ourNode: String {
        ourNodeOption ?? EnterpriseDataExport.defaultOurNode()
    }
}
