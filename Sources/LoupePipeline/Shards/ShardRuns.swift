import Foundation
import LoupeData
import LoupeTensor

/// `loupe run --shard I/N` and `loupe merge`: a job's dataset passes split over processes, then one report.
public enum ShardRuns {
    /// The part name of the evaluation pass in a shard file.
    static let evaluationPart = "evaluation"

    /// The job's sections with a dataset pass shards split, in job order.
    static func gatheringSections(of job: JobConfig) -> [(name: String, section: any GatheringSection)] {
        job.sections.compactMap { name in
            (SectionRegistry.make(named: name, for: job) as? any GatheringSection).map { (name, $0) }
        }
    }

    /// Runs one shard of each selected job; returns 0, 1 when a job failed, or 78 for a bad config.
    public static func runShard(_ shard: ShardSpec, configPath: String, jobNames: [String] = [], outputOverride: String? = nil,
                                log: RunLog = RunLog()) -> Int32 {
        forEachJob(configPath: configPath, jobNames: jobNames, outputOverride: outputOverride, log: log) { runner in
            "shard \(shard) written: " + (try runner.runShard(shard))
        }
    }

    /// Merges the shards of each selected job into its run folder (the same folder `loupe run` writes).
    public static func merge(configPath: String, jobNames: [String] = [], outputOverride: String? = nil,
                             log: RunLog = RunLog()) -> Int32 {
        forEachJob(configPath: configPath, jobNames: jobNames, outputOverride: outputOverride, log: log) { runner in
            var runner = runner
            let (model, classifier, sampleShape) = try runner.openModel()
            let dataset = try DatasetFactory.open(runner.job, sampleShape: sampleShape, classNames: runner.job.classNames)
            // The shards gathered with the sized options (`ComputeBudget`): decode their parts with the same.
            let (sized, _) = try runner.sizedJob(model: model, dataset: dataset,
                                                 classCount: (runner.job.classNames ?? dataset.classNames).count)
            let expected = ShardIdentity(configHash: ShardIdentity.configHash(runner.job), modelSHA256: SHA256.hex(file: runner.job.modelPath) ?? "",
                                         datasetFingerprint: dataset.fingerprint, loupeVersion: LoupeVersion.string,
                                         job: runner.job.name, images: dataset.count)
            removeAbandonedTemporaries(of: runner.job, log: runner.log)
            let merged = try MergedShards.load(job: runner.job, sized: sized, expected: expected)
            runner.log.info("merging \(merged.files.count) shards", job: runner.job.name)
            runner.merged = merged
            runner.opened = (model, classifier, sampleShape, dataset)
            return "merged: " + (try runner.run())
        }
    }

    /// Removes the temporary shard files killed writers on this host left for `job` (SIGKILL between write and
    /// rename), naming each in the log; live writers' files and other hosts' stay.
    static func removeAbandonedTemporaries(of job: JobConfig, log: RunLog) {
        for path in ShardFile.removeAbandoned(in: ShardIdentity.jobFolder(for: job)) {
            log.info("removed \(path), left by a shard writer that no longer runs", job: job.name)
        }
    }

    /// Loads the config and runs `body` for each selected job, logging failures as one line each.
    static func forEachJob(configPath: String, jobNames: [String], outputOverride: String?, log: RunLog,
                           _ body: (JobRunner) throws -> String) -> Int32 {
        let config: LoupeConfig
        do {
            config = try LoupeConfig.load(path: configPath, outputOverride: outputOverride)
            try BatchRunner.checkJobNames(jobNames, in: config)
        } catch {
            log.error(BatchRunner.describe(error))
            return ExitCodes.code(for: error)
        }
        var failure: Int32?
        for rejected in config.rejectedJobs where jobNames.isEmpty || jobNames.contains(rejected.name) {
            log.error("\(config.path): \(rejected.message)", job: rejected.name)
            failure = ExitCodes.invalidConfig
        }
        for job in config.jobs where jobNames.isEmpty || jobNames.contains(job.name) {
            do {
                let runner = JobRunner(job: job, config: config, log: log, environment: ProcessInfo.processInfo.environment)
                log.info(try body(runner), job: job.name)
            } catch {
                log.error("job '\(job.name)': " + BatchRunner.describe(error), job: job.name)
                if failure == nil { failure = config.jobs.count == 1 ? ExitCodes.code(for: error) : ExitCodes.failure }
            }
        }
        return failure ?? ExitCodes.success
    }
}
