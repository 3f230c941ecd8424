import Foundation
import HubCore

/// LibreOffice (installed by the test command) opening a workbook the way an accountant's or HR's spreadsheet
/// program would: every sheet converted to a CSV file, `<name>-<sheet>.csv` in `folder`.
enum LibreOffice {
    static func convertToCSV(_ xlsx: String, in folder: URL) throws -> ChildProcess.Output {
        try ChildProcess.run("/usr/bin/timeout", [
            "180", "libreoffice", "-env:UserInstallation=\(folder.appendingPathComponent("profile").absoluteString)",
            "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir", folder.path, xlsx,
        ], environment: ["HOME": folder.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"])
    }
}
