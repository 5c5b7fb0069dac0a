import Foundation

/// The one budget that every size read from a file is checked against before Loupe allocates it.
///
/// Sizes come from untrusted headers (archive entries, array shapes, image dimensions, model
/// shapes); each is compared with `bytes` using overflow-safe arithmetic before any allocation,
/// so a hostile file gets a one-line error instead of exhausting memory. The budget is, first
/// found: a job's `memory_limit_mb` (config), the command line's `--memory-limit MB`, the
/// environment's `LOUPE_MEMORY_LIMIT_MB`, else half of the machine's physical memory.
public enum MemoryBudget {
    /// The largest allocation, in bytes, that one file-derived size may ask for.
    nonisolated(unsafe) public static var bytes: Int = defaultBytes

    /// `LOUPE_MEMORY_LIMIT_MB` megabytes when set to a positive number, else half of physical memory
    /// (at least 256 MiB).
    public static var defaultBytes: Int {
        if let text = ProcessInfo.processInfo.environment["LOUPE_MEMORY_LIMIT_MB"], let megabytes = Int(text), megabytes > 0 {
            return bytes(megabytes: megabytes)
        }
        return max(256 << 20, Int(clamping: ProcessInfo.processInfo.physicalMemory / 2))
    }

    /// How a user changes the budget, appended to every over-budget error.
    public static let hint = "(--memory-limit MB, memory_limit_mb or LOUPE_MEMORY_LIMIT_MB)"

    /// `megabytes` MiB in bytes, saturating at `Int.max`.
    public static func bytes(megabytes: Int) -> Int {
        let (bytes, overflow) = megabytes.multipliedReportingOverflow(by: 1 << 20)
        return overflow ? Int.max : bytes
    }

    /// Sets the process's budget from `--memory-limit MB` and exports it as `LOUPE_MEMORY_LIMIT_MB`,
    /// so processes this one starts (one per job) keep the same budget.
    public static func setCommandLineLimit(megabytes: Int) {
        bytes = bytes(megabytes: megabytes)
        setenv("LOUPE_MEMORY_LIMIT_MB", String(megabytes), 1)
    }

    /// Runs `body` with the budget set to `megabytes` MiB (a job's `memory_limit_mb`), or unchanged when nil.
    public static func withLimit<T>(megabytes: Int?, _ body: () throws -> T) rethrows -> T {
        guard let megabytes else { return try body() }
        let saved = bytes
        bytes = bytes(megabytes: megabytes)
        defer { bytes = saved }
        return try body()
    }

    /// Throws an `.invalidInput` error naming `file` and `location` when `size` bytes exceed the budget.
    public static func check(_ size: Int, file: String, location: String = "", what: String = "needs") throws {
        guard size > bytes else { return }
        throw LoupeError(.invalidInput, file: file, location: location,
                         "\(what) \(size) bytes, more than the memory budget of \(bytes) bytes \(hint)")
    }
}
