import ArgumentParser
import LoupePipeline

/// `--memory-limit MB`, shared by the commands that read untrusted files.
struct MemoryLimitOption: ParsableArguments {
    @Option(name: .customLong("memory-limit"), help: ArgumentHelp(
        "Largest size one file may make Loupe allocate, in MB (default: LOUPE_MEMORY_LIMIT_MB, else half of physical memory).",
        valueName: "MB"))
    var megabytes: Int?

    func validate() throws {
        if let megabytes, megabytes <= 0 { throw ValidationError("--memory-limit must be a positive number of MB") }
    }

    /// Makes the limit the process's memory budget (before any file is read).
    func apply() { MemoryLimit.setFromCommandLine(megabytes: megabytes) }

    /// Runs a command's body under this budget, printing an error as one line with its exit code.
    func run(_ body: () throws -> Void) throws {
        apply()
        try runReportingErrors(body)
    }
}
