import Foundation

/// The one budget that every size read from a file is checked against before Loupe allocates it.
///
/// Sizes come from untrusted headers (archive entries, array shapes, image dimensions, model
/// shapes); each is compared with `bytes` using overflow-safe arithmetic before any allocation,
/// so a hostile file gets a one-line error instead of exhausting memory. The default is half of
/// the machine's physical memory, or `LOUPE_MEMORY_LIMIT_MB` megabytes when that is set.
public enum MemoryBudget {
    /// The largest allocation, in bytes, that one file-derived size may ask for.
    nonisolated(unsafe) public static var bytes: Int = defaultBytes

    /// `LOUPE_MEMORY_LIMIT_MB` megabytes when set to a positive number, else half of physical memory
    /// (at least 256 MiB).
    public static var defaultBytes: Int {
        if let text = ProcessInfo.processInfo.environment["LOUPE_MEMORY_LIMIT_MB"], let megabytes = Int(text), megabytes > 0 {
            let (bytes, overflow) = megabytes.multipliedReportingOverflow(by: 1 << 20)
            return overflow ? Int.max : bytes
        }
        return max(256 << 20, Int(clamping: ProcessInfo.processInfo.physicalMemory / 2))
    }

    /// Throws an `.invalidInput` error naming `file` and `location` when `size` bytes exceed the budget.
    public static func check(_ size: Int, file: String, location: String = "", what: String = "needs") throws {
        guard size > bytes else { return }
        throw LoupeError(.invalidInput, file: file, location: location,
                         "\(what) \(size) bytes, more than the memory budget of \(bytes) bytes (LOUPE_MEMORY_LIMIT_MB)")
    }
}
