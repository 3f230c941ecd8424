import Foundation

extension HubError {
    /// A file that could not be written, with the system's own reason (`Permission denied`, `No such file or
    /// directory`) rather than Foundation's error domain and code, and what to check. Without `error`, the reason
    /// is `errno`'s, for the calls that only return false or nil.
    public static func fileSystem(_ error: (any Error)? = nil, cannot what: String, path: String) -> HubError {
        var reason = String(cString: strerror(errno))
        if let error {
            let nsError = error as NSError
            var chain: [NSError] = [nsError]
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error { chain.append(underlying as NSError) }
            if let posix = chain.first(where: { $0.domain == NSPOSIXErrorDomain }) {
                // Creating a folder where a file is answers EEXIST, whose "File exists" says nothing useful.
                reason = posix.code == Int(EEXIST) ? "a file stands where a folder of the path should be"
                    : String(cString: strerror(Int32(posix.code)))
            } else {
                reason = nsError.localizedDescription
            }
        }
        return HubError(.io, "cannot \(what): \(reason); check that its folder exists or can be made, and that "
                        + "this user may write there", location: SourceLocation(source: path))
    }
}
