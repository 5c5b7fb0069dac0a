import ArgumentParser
import Foundation
import LoupePipeline

/// `loupe run [config.json]`: every job of a config → reports/<job>/<run-id>/.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the jobs of a config file and write their reports.",
        discussion: "Each job runs in its own process, so a crash fails only that job. Exit codes: 0 all jobs succeeded, "
            + "1 some failed or crashed (the others still ran), 2 bad command line, 6 a review gate tripped, 78 bad config.")

    @Argument(help: "The job config (JSON).") var config = "config.json"
    @Option(name: .long, help: "Run only this job (repeatable).") var job: [String] = []
    @Option(name: .long, help: "Write reports under this folder instead of each job's output.") var output: String?
    @Flag(name: .long, help: "Only print errors.") var quiet = false
    @Option(name: .long, help: "Log format: text or json.") var logFormat = "text"
    @Option(name: .long, help: "Write the batch record (how each job ended) to this JSON file.") var record: String?
    @Flag(name: .long, help: .hidden) var inProcess = false
    @OptionGroup var memoryLimit: MemoryLimitOption
    @Option(name: .long, help: "Run only shard I of N (0-based, e.g. 2/8) of the dataset passes; 'loupe merge' makes the report.")
    var shard: String?
    @Option(name: .long, help: "The shard count when the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.")
    var shards: Int?

    func validate() throws {
        guard RunLog.Format(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
    }

    func run() throws {
        memoryLimit.apply()
        let log = RunLog(format: RunLog.Format(rawValue: logFormat) ?? .text, quiet: quiet)
        let spec: ShardSpec?
        do {
            spec = try ShardSpec.resolve(argument: shard, shards: shards, environment: ProcessInfo.processInfo.environment)
        } catch {
            ExitCodes.report(error)
            throw ExitCode(ExitCodes.usage)
        }
        // `--in-process` (debugging) runs every job in this process: one crash then ends the batch.
        let isolation: JobIsolation = inProcess ? .inProcess : .childProcesses(executable: BatchRunner.currentExecutable())
        let code = spec.map { ShardRuns.runShard($0, configPath: config, jobNames: job, outputOverride: output, log: log) }
            ?? BatchRunner.run(configPath: config, jobNames: job, outputOverride: output, log: log,
                               isolation: isolation, recordPath: record)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `loupe run-job config.json --job NAME`: one job in this process; `loupe run` starts one per job.
struct RunJobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-job", abstract: "Run one job of a config in this process (used by `loupe run`).", shouldDisplay: false)

    @Argument(help: "The job config (JSON).") var config: String
    @Option(name: .long, help: "The job to run.") var job: String
    @Option(name: .long, help: "Write reports under this folder instead of the job's output.") var output: String?
    @Flag(name: .long, help: "Only print errors.") var quiet = false
    @Option(name: .long, help: "Log format: text or json.") var logFormat = "text"

    func run() throws {
        let log = RunLog(format: RunLog.Format(rawValue: logFormat) ?? .text, quiet: quiet)
        let code = BatchRunner.runJob(configPath: config, jobName: job, outputOverride: output, log: log)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `loupe validate config.json`: check a config, its models and datasets without running.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a config file: JSON, keys, paths, models load, datasets open.")

    @Argument(help: "The job config (JSON).") var config = "config.json"
    @OptionGroup var memoryLimit: MemoryLimitOption

    func run() throws {
        memoryLimit.apply()
        let code = BatchRunner.validate(configPath: config)
        if code != 0 { throw ExitCode(code) }
    }
}
