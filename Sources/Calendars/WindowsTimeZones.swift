import CWindowsZones

/// Windows time-zone names ("West Asia Standard Time") to IANA zones, from CLDR's windowsZones mapping as ICU
/// carries it — not a table of ours, so new Windows names arrive with ICU's updates.
package enum WindowsTimeZones {
    /// The IANA zone of `windowsName` for `region` (a territory such as "UZ"; nil: the name's main zone, "001"),
    /// or nil when CLDR does not know the name.
    package static func ianaIdentifier(forWindowsName windowsName: String, region: String? = nil) -> String? {
        var buffer = [CChar](repeating: 0, count: 128)
        let length = buffer.withUnsafeMutableBufferPointer { out in
            if let region {
                return crmhub_iana_zone_for_windows_zone(windowsName, region, out.baseAddress, Int32(out.count))
            }
            return crmhub_iana_zone_for_windows_zone(windowsName, nil, out.baseAddress, Int32(out.count))
        }
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
