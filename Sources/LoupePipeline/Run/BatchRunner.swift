import Foundation
import LoupeData
import LoupeEngine
import LoupeTensor

/// `loupe run` and `loupe validate`: every job of a config, each isolated from the others' failures.
public enum BatchRunner {
    /// Runs the selected jobs (all when `jobNames` is empty); returns the exit code (0 all ok, 1 some failed, 78 bad config).
    ///
    /// With `.childProcesses` each job runs in its own process (`loupe run-job`), so a crash or an
    /// out-of-memory kill fails only that job; `recordPath` receives the batch record (which job
    /// ended how) as JSON.
    public static func run(configPath: String, jobNames: [String] = [], outputOverride: String? = nil,
                           log: RunLog = RunLog(), isolation: JobIsolation = .inProcess, recordPath: String? = nil) -> Int32 {
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
        var outcomes = [(job: String, outcome: JobOutcome)]()
        for job in jobs {
            let outcome: JobOutcome
            switch isolation {
            case .inProcess: outcome = runInProcess(job, config: config, log: log)
            case .childProcesses(let executable):
                outcome = runInChild(job, config: config, outputOverride: outputOverride, log: log, executable: executable)
            }
            outcomes.append((job.name, outcome))
        }
        let failed = outcomes.filter { $0.outcome.failed }.map(\.job)
        if !failed.isEmpty {
            log.info("\(failed.count) of \(jobs.count) jobs failed: \(failed.joined(separator: ", "))", level: "error")
        }
        if let recordPath { writeRecord(outcomes, configPath: config.path, to: recordPath, log: log) }
        if configProblems { return ExitCodes.invalidConfig }
        if !failed.isEmpty { return ExitCodes.failure }
        return outcomes.contains { $0.outcome == .gateTripped } ? ExitCodes.gateTripped : ExitCodes.success
    }

    /// Runs one job in this process; a failure is logged as one line.
    static func runInProcess(_ job: JobConfig, config: LoupeConfig, log: RunLog,
                             environment: [String: String] = ProcessInfo.processInfo.environment) -> JobOutcome {
        let started = Date()
        do {
            let (folder, gates) = try JobRunner(job: job, config: config, log: log, environment: environment).runReviewed()
            log.info(String(format: "done in %.1f s: %@", Date().timeIntervalSince(started), folder), job: job.name)
            for gate in gates where !gate.passed { log.error("gate \(gate.name) tripped: \(gate.message)", job: job.name) }
            return gates.contains(where: { !$0.passed }) ? .gateTripped : .succeeded
        } catch {
            log.error(describe(error, job: job.name, configPath: config.path), job: job.name)
            return .failed(exitCode: ExitCodes.code(for: error))
        }
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
                    let decoded = try MemoryBudget.withLimit(megabytes: job.memoryLimitMB) { try checkImages(of: job, sampleShape: shape) }
                    try OutputFolderCheck.check(job.outputFolder, location: "jobs.\(job.name).output")
                    log.info("ok: model \(shape), \(imageCount) images\(decoded), sections \(job.sections.joined(separator: ", "))", job: job.name)
                } catch {
                    failures += 1
                    log.error(describe(error, job: job.name, configPath: config.path), job: job.name)
                }
            }
            if !config.rejectedJobs.isEmpty { return ExitCodes.invalidConfig }
            return failures == 0 ? ExitCodes.success : ExitCodes.failure
        } catch {
            log.error(describe(error))
            return ExitCodes.code(for: error)
        }
    }

    /// For an image-folder dataset: every file's header is checked and a sample decoded (`ImageFolderCheck`); returns a note for the log line.
    static func checkImages(of job: JobConfig, sampleShape: [Int]) throws -> String {
        guard job.dataset.kind == "image-folder", let path = job.dataset.path else { return "" }
        let folder = try ImageFolderDataset(root: path, preprocessing: DatasetFactory.preprocessing(for: job, sampleShape: sampleShape))
        let decoded = try ImageFolderCheck.check(folder)
        return " (\(decoded) of \(folder.count) decoded, every header checked)"
    }

    static func checkJobNames(_ names: [String], in config: LoupeConfig) throws {
        for name in names where !config.jobs.contains(where: { $0.name == name }) {
            throw LoupeError(.invalidConfig, file: config.path, location: "--job",
                             "no job named '\(name)'; jobs: \(config.jobs.map(\.name).joined(separator: ", "))")
        }
    }

    static func describe(_ error: Error) -> String { ErrorLines.text(error) }
}
