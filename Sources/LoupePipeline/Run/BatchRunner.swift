import Foundation
import LoupeEngine
import LoupeTensor

/// `loupe run` and `loupe validate`: every job of a config, each isolated from the others' failures.
public enum BatchRunner {
    /// Runs the selected jobs (all when `jobNames` is empty); returns the exit code (0 all ok, 1 some failed, 78 bad config).
    public static func run(configPath: String, jobNames: [String] = [], outputOverride: String? = nil,
                           log: RunLog = RunLog()) -> Int32 {
        let config: LoupeConfig
        do {
            config = try LoupeConfig.load(path: configPath, outputOverride: outputOverride)
            try checkJobNames(jobNames, in: config)
        } catch {
            log.error(describe(error))
            return ExitCodes.code(for: error)
        }
        let jobs = jobNames.isEmpty ? config.jobs : config.jobs.filter { jobNames.contains($0.name) }
        for rejected in config.rejectedJobs where jobNames.isEmpty || jobNames.contains(rejected.name) {
            log.error("\(config.path): \(rejected.message)", job: rejected.name)
        }
        let configProblems = config.rejectedJobs.contains { jobNames.isEmpty || jobNames.contains($0.name) }
        var failures = 0
        var tripped = 0
        for job in jobs {
            let started = Date()
            do {
                let (folder, gates) = try JobRunner(job: job, config: config, log: log, environment: ProcessInfo.processInfo.environment)
                    .runReviewed()
                log.info(String(format: "done in %.1f s: %@", Date().timeIntervalSince(started), folder), job: job.name)
                for gate in gates where !gate.passed { log.error("gate \(gate.name) tripped: \(gate.message)", job: job.name) }
                if gates.contains(where: { !$0.passed }) { tripped += 1 }
            } catch {
                failures += 1
                log.error("job '\(job.name)': " + describe(error), job: job.name)
            }
        }
        if failures > 0 {
            log.info("\(failures) of \(jobs.count) jobs failed", level: "error")
        }
        if configProblems { return ExitCodes.invalidConfig }
        if failures > 0 { return ExitCodes.failure }
        return tripped > 0 ? ExitCodes.gateTripped : ExitCodes.success
    }

    /// Checks a config without running it: the JSON, every model loads, every dataset opens.
    public static func validate(configPath: String, log: RunLog = RunLog()) -> Int32 {
        do {
            let config = try LoupeConfig.load(path: configPath)
            for rejected in config.rejectedJobs { log.error("\(config.path): \(rejected.message)", job: rejected.name) }
            var failures = 0
            for job in config.jobs {
                do {
                    let (shape, imageCount) = try MemoryBudget.withLimit(megabytes: job.memoryLimitMB) { () throws -> ([Int], Int) in
                        let model = try Model(path: job.modelPath)
                        guard let shape = model.sampleShape else {
                            throw LoupeError(.invalidModel, file: job.modelPath, location: "input", "needs fixed non-batch extents")
                        }
                        // Plans every value for one image, as `inspect` does: sizes over the budget are found here.
                        _ = try model.plan(batchSize: 1)
                        return (shape, try DatasetFactory.open(job, sampleShape: shape, classNames: job.classNames).count)
                    }
                    log.info("ok: model \(shape), \(imageCount) images, sections \(job.sections.joined(separator: ", "))", job: job.name)
                } catch {
                    failures += 1
                    log.error("job '\(job.name)': " + describe(error), job: job.name)
                }
            }
            if !config.rejectedJobs.isEmpty { return ExitCodes.invalidConfig }
            return failures == 0 ? ExitCodes.success : ExitCodes.failure
        } catch {
            log.error(describe(error))
            return ExitCodes.code(for: error)
        }
    }

    static func checkJobNames(_ names: [String], in config: LoupeConfig) throws {
        for name in names where !config.jobs.contains(where: { $0.name == name }) {
            throw LoupeError(.invalidConfig, file: config.path, location: "--job",
                             "no job named '\(name)'; jobs: \(config.jobs.map(\.name).joined(separator: ", "))")
        }
    }

    static func describe(_ error: Error) -> String {
        (error as? LoupeError)?.description ?? String(describing: error).replacingOccurrences(of: "\n", with: " ")
    }
}
