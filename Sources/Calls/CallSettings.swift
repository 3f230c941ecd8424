import Connectors
import Foundation

/// The call centre's rules (`mappings/calls.yaml`): which calls create clients and who becomes responsible, as
/// the customer's telephony guide has them, and how each PBX's logs are read. One file serves MANGO OFFICE and
/// Asterisk. Every value has a default (docs/calls.md).
package struct CallSettings: Sendable, Equatable {
    /// The zone client names and reports show times in.
    package var timeZone = TimeZone(identifier: "Asia/Tashkent")!
    package var autoCreate = AutoCreate()
    /// On a transfer, the last employee who handled an incoming call becomes the new client's responsible,
    /// instead of the first. Off unless set, as in the customer's PBX integration.
    package var updateResponsibleOnTransfer = false
    /// A call missed in the voice menu creates a client, with this responsible, only when enabled.
    package var ivrMissedResponsible = FixedResponsible()
    /// A call missed in a group (queue) gets this responsible when enabled, else the first employee it rang.
    package var groupMissedResponsible = FixedResponsible()
    package var phoneFormat = PhoneFormat.e164
    /// A missed call called back (or calling again and answered) within this many hours is not in the
    /// missed-calls report.
    package var callbackWithinHours = 24
    /// An answered call with less talk than this is reported as short (dropped or suspicious).
    package var shortTalkSeconds = 5
    package var mango = MangoSettings()
    package var asterisk = AsteriskSettings()
    /// Extension → who it is.
    package var extensions: [String: ExtensionOwner] = [:]

    package init() {}

    /// Which calls from an unknown number create a client.
    package struct AutoCreate: Sendable, Equatable {
        package var incoming = true
        package var missed = true
        package var outgoing = false
    }

    package struct FixedResponsible: Sendable, Equatable {
        package var enabled = false
        package var `extension`: String?

        package init(enabled: Bool = false, extension: String? = nil) {
            self.enabled = enabled
            self.extension = `extension`
        }
    }

    /// How phone numbers are shown in reports and lookup answers (the warehouse keeps E.164 always).
    package enum PhoneFormat: String, Sendable, CaseIterable {
        /// `+998901112233`.
        case e164
        /// `998901112233`, as MANGO OFFICE writes them.
        case digits

        package func format(_ e164: String) -> String {
            self == .e164 ? e164 : String(e164.drop { $0 == "+" })
        }
    }

    package struct MangoSettings: Sendable, Equatable {
        package var apiURL = "https://app.mango-office.ru/vpbx/"
        /// References only (`${env:MANGO_API_KEY}`), resolved when a request is made or a webhook checked.
        package var apiKey: String?
        package var apiSalt: String?
        package var statsFields = MangoStatsLayout.defaultFields
        /// The company's numbers → their names (`main`, `support`), for reports per project or site.
        package var lines: [String: String] = [:]
        /// Seconds between polls of `stats/result` while it answers 204 (MANGO asks for at least 5).
        package var pollSeconds = 5
        /// How long to wait for a statistics report before giving up.
        package var resultTimeoutSeconds = 600
        package var timeoutSeconds = 60

        package var layout: MangoStatsLayout { MangoStatsLayout(fields: statsFields) }
    }

    package struct AsteriskSettings: Sendable, Equatable {
        package var cdrColumns = AsteriskCDRLayout.defaultColumns
        /// The PBX's zone, when it differs from `timezone`.
        package var timeZone: TimeZone?
        package var trunkChannelPrefixes = ["PJSIP/trunk-", "SIP/trunk-"]
        /// The CDR column with the company number called (FreePBX's `did`), when logged.
        package var lineColumn: String?
    }

    package struct ExtensionOwner: Sendable, Equatable {
        package var personnelNumber: String?
        package var employee: String?
        package var mangoLogin: String?
    }

    package func asteriskLayout() -> AsteriskCDRLayout {
        AsteriskCDRLayout(columns: asterisk.cdrColumns, timeZone: asterisk.timeZone ?? timeZone,
                          trunkChannelPrefixes: asterisk.trunkChannelPrefixes, lineColumn: asterisk.lineColumn)
    }

    /// The name of a company line, if the settings give one.
    package func lineName(_ number: String?) -> String? {
        number.flatMap { mango.lines[$0] }
    }
}
