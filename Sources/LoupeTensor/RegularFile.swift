import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening files named by untrusted input: regular files only, never a FIFO, device or socket.
///
/// Files are opened with `O_NONBLOCK` (opening a FIFO for reading would otherwise wait for a writer
/// forever) and checked with `fstat` on the open descriptor, so the check and the read see one file.
public enum RegularFile {
    /// Opens `path` read-only and checks that it is a regular file; the caller closes the descriptor.
    ///
    /// - Parameters:
    ///   - noFollow: refuse a symbolic link as the last path component (`O_NOFOLLOW`).
    ///   - failure: the error text when the file cannot be opened (missing, no permission).
    /// - Returns: the open descriptor and the file's `stat`.
    public static func open(_ path: String, noFollow: Bool = false,
                            failure: String = "cannot open file") throws -> (descriptor: Int32, info: stat) {
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0)
        let descriptor = Glibc.open(path, flags)
        guard descriptor >= 0 else { throw LoupeError(.io, file: path, failure) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            throw LoupeError(.io, file: path, "cannot stat file")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw LoupeError(.io, file: path, "not a regular file (a FIFO, device, socket or folder is refused)")
        }
        return (descriptor, info)
    }

    /// Reads the whole regular file at `path`, memory-mapped where that is safe.
    ///
    /// - Parameter failure: the error text when the file exists but cannot be read.
    public static func contents(_ path: String, failure: String = "cannot read file") throws -> Data {
        let (descriptor, _) = try open(path, failure: failure)
        close(descriptor)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw LoupeError(.io, file: path, failure)
        }
    }
}
