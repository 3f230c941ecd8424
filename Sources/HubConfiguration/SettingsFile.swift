import Crypto
import Foundation
import HubCore

/// A settings file under `mappings/` (attendance, ZUP): read whole, every problem reported at once, its
/// SHA-256 kept so that what a run used is on record. Its absence at the default path means the defaults.
package enum SettingsFile {
    /// The settings at `path`, parsed by `parse` (nil when it found errors), with the file's SHA-256, or
    /// `defaults` with the hash "defaults" when `path` is `defaultPath` and there is no such file.
    package static func load<Settings>(
        path: String, defaultPath: String, what: String, defaults: @autoclosure () -> Settings,
        parse: (_ text: String, _ file: String) -> (Settings?, [ConfigDiagnostic])
    ) throws(HubError) -> (settings: Settings, sha256: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if path == defaultPath { return (defaults(), "defaults") }
            throw HubError(.configuration, "no \(what) file", location: SourceLocation(source: path))
        }
        let (settings, diagnostics) = parse(String(decoding: data, as: UTF8.self), path)
        guard let settings else {
            throw HubError(.configuration, "the \(what) have errors:\n"
                               + diagnostics.map(\.description).joined(separator: "\n"))
        }
        return (settings, SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
    }
}
