import Foundation
import HubCore
import Testing

import Connectors

/// What an input path named on the command line is, and what the message says when it is none.
@Suite("input paths")
struct InputPathTests {
    @Test("a symbolic-link loop is reported as one, naming the path; a missing file and a dangling link apart")
    func symlinkLoop() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-paths-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let loop = folder + "/loop.txt"
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: folder + "/back.txt")
        try FileManager.default.createSymbolicLink(atPath: folder + "/back.txt", withDestinationPath: loop)
        let dangling = folder + "/dangling.txt"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder + "/gone.txt")
        let file = folder + "/real.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))

        #expect(try InputPath.check(file) == .file)
        #expect(try InputPath.check(folder, what: "file or folder") == .folder)
        #expect(message(loop) == "\(loop): is a symbolic-link loop (ELOOP: too many levels of symbolic links); "
                    + "point the link at a real file")
        #expect(message(dangling) == "\(dangling): is a symbolic link to a file that does not exist")
        #expect(message(folder + "/none.txt") == "\(folder)/none.txt: no such file")
    }

    private func message(_ path: String) -> String? {
        do {
            _ = try InputPath.check(path)
            return nil
        } catch {
            #expect(error.code == .configuration)
            return error.description
        }
    }
}
