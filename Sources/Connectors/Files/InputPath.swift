#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HubCore

/// The check every input path named on the command line gets before anything is loaded, so that the message
/// says what is wrong with it: missing, a symbolic-link loop, or unreachable, rather than always "no such file".
public enum InputPath {
    public enum Kind: Sendable, Equatable {
        case file, folder
    }

    /// What `path` is once symbolic links are followed.
    ///
    /// - Parameter what: how the message names what was expected (`file`, `file or folder`).
    /// - Throws: a configuration error naming `path`: "no such file", a symbolic-link loop (ELOOP), a link
    ///   whose target is missing, or the system's reason (permission denied, say).
    public static func check(_ path: String, what: String = "file") throws(HubError) -> Kind {
        var status = stat()
        if stat(path, &status) == 0 {
            return (status.st_mode & S_IFMT) == S_IFDIR ? .folder : .file
        }
        let reason = errno
        let message: String
        switch reason {
        case ELOOP:
            message = "is a symbolic-link loop (ELOOP: too many levels of symbolic links); point the link at a real \(what)"
        case ENOENT, ENOTDIR:
            var link = stat()
            if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
                message = "is a symbolic link to a \(what) that does not exist"
            } else {
                message = "no such \(what)"
            }
        default:
            message = "cannot be read: \(String(cString: strerror(reason)))"
        }
        throw HubError(.configuration, message, location: SourceLocation(source: path))
    }
}
