import LoupeTensor

/// The memory budget as a command line sets it (`--memory-limit MB`); see `MemoryBudget`.
public enum MemoryLimit {
    /// Sets the budget to `megabytes` MiB for this process and the job processes it starts (nil: unchanged).
    public static func setFromCommandLine(megabytes: Int?) {
        guard let megabytes else { return }
        MemoryBudget.setCommandLineLimit(megabytes: megabytes)
    }

    /// The budget in bytes now in force.
    public static var bytes: Int { MemoryBudget.bytes }
}
