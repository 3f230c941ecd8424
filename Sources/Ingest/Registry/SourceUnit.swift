import Connectors
import Foundation
import HubCore

/// One unit a source kind loads in one transaction: a file today; a page fetched from an API later.
///
/// `cursor` is what a job's stream cursor (`ops.job_cursors`) records once the unit has loaded: a file's path
/// now, an API's own position (a timestamp, a page token) for a kind that fetches pages. It is a record of how
/// far a stream got, never a filter: which units are new is decided by the warehouse (content hashes, message
/// numbers, natural keys), so a unit seen again changes nothing.
package struct SourceUnit: Sendable, Hashable {
    /// How people name it: the path as given, or an API's description of the page.
    package var name: String
    /// The local file to read.
    package var path: String
    package var cursor: String

    package init(path: String, name: String? = nil, cursor: String? = nil) {
        self.path = path
        self.name = name ?? path
        self.cursor = cursor ?? path
    }
}

/// How a kind finds its units among the paths it is given.
package struct UnitDiscovery: Sendable {
    /// Given a folder, which of its file names are units, in load order (nil: a folder is not accepted).
    package var folder: (@Sendable (_ names: [String], _ options: SourceOptionValues) -> [String])?
    /// What the paths are, in help texts (`statement files`, `message files or exchange folders`).
    package var what: String
    /// The "paths" are the http(s) addresses of a service: each is a unit, fetched by the kind.
    package var endpoints = false

    package init(what: String, folder: (@Sendable ([String], SourceOptionValues) -> [String])? = nil) {
        self.what = what
        self.folder = folder
    }

    /// Files only: a folder or a glob that matches nothing is refused.
    package static func files(_ what: String) -> UnitDiscovery { UnitDiscovery(what: what) }

    /// Service addresses (`http://zup.local/zup/odata/standard.odata`), not files.
    package static func endpoints(_ what: String) -> UnitDiscovery {
        var discovery = UnitDiscovery(what: what)
        discovery.endpoints = true
        return discovery
    }
}

/// The one expansion of paths into units, shared by `crmhub import` and job `import` steps.
package enum SourceUnits {
    /// Each path in turn: a file is a unit; a folder stands for the files the kind takes from it; a path with
    /// `*`, `?` or `[` that is no file is a glob, its matches in name order (each then a file or folder).
    ///
    /// - Parameter emptyGlobIsError: a job's glob may match nothing on a quiet night; a command line's may not.
    /// - Throws: a configuration error naming the path (missing, a symbolic-link loop, a folder the kind does
    ///   not read, a glob that matches nothing).
    package static func expand(_ paths: [String], kind: any SourceKind, options: SourceOptionValues,
                              emptyGlobIsError: Bool = true) throws(HubError) -> [SourceUnit] {
        var units: [SourceUnit] = []
        if kind.units.endpoints {
            for path in paths {
                let lower = path.lowercased()
                guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: path)?.host != nil else {
                    throw HubError(.configuration, "is not a service address; \(kind.id) reads \(kind.units.what) "
                                       + "(http://… or https://…)", location: SourceLocation(source: path))
                }
                units.append(SourceUnit(path: path))
            }
            return units
        }
        for path in paths {
            if isGlob(path), !FileManager.default.fileExists(atPath: path) {
                let matches = glob(path)
                if matches.isEmpty, emptyGlobIsError {
                    throw HubError(.configuration, "matches no file", location: SourceLocation(source: path))
                }
                for match in matches { units += try expandOne(match, kind: kind, options: options) }
            } else {
                units += try expandOne(path, kind: kind, options: options)
            }
        }
        return units
    }

    private static func expandOne(_ path: String, kind: any SourceKind, options: SourceOptionValues)
        throws(HubError) -> [SourceUnit]
    {
        let what = kind.units.folder == nil ? "file" : "file or folder"
        guard try InputPath.check(path, what: what) == .folder else { return [SourceUnit(path: path)] }
        guard let pick = kind.units.folder else {
            throw HubError(.configuration, "is a folder; \(kind.id) reads \(kind.units.what), name them",
                           location: SourceLocation(source: path))
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw HubError(.configuration, "cannot list the folder: \(error.localizedDescription)",
                           location: SourceLocation(source: path))
        }
        return pick(names.sorted(), options).map { SourceUnit(path: (path as NSString).appendingPathComponent($0)) }
    }

    static func isGlob(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    /// The matches of a glob in name order. By hand over glob(3): Foundation has none.
    static func glob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            matches.gl_pathv[index].map { String(cString: $0) }
        }.sorted()
    }
}
