import ArgumentParser
import Foundation
import LoupePipeline

/// `loupe merge config.json`: combine the shards of `loupe run --shard I/N` into one report.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Combine a job's shards (loupe run --shard I/N) into the report loupe run would write.",
        discussion: """
            Reads <output>/<job>/shards/<config-hash>/I-of-N.loupeshard; every shard 0..N-1 must be present and agree \
            (config, model SHA-256, dataset fingerprint, Loupe version, shard count). Exit codes: 0 ok, 1 some jobs \
            failed, 4 a shard is missing or does not match (nothing is written), 78 bad config.
            """)

    @Argument(help: "The job config (JSON).") var config = "config.json"
    @Option(name: .long, help: "Merge only this job (repeatable).") var job: [String] = []
    @Option(name: .long, help: "Read shards from and write reports under this folder instead of each job's output.") var output: String?
    @Flag(name: .long, help: "Only print errors.") var quiet = false

    func run() throws {
        let code = ShardRuns.merge(configPath: config, jobNames: job, outputOverride: output, log: RunLog(quiet: quiet))
        if code != 0 { throw ExitCode(code) }
    }
}
