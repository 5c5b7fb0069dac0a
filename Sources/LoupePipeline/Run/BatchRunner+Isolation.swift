import Foundation
import LoupeTensor

/// Where the jobs of a batch run.
public enum JobIsolation: Sendable, Equatable {
    /// All jobs in this process, one after the other (tests, debugging).
    case inProcess
    /// Each job in a child process running `executable run-job` (the default of `loupe run`).
    case childProcesses(executable: String)
}

/// How one job of a batch ended.
enum JobOutcome: Equatable {
    case succeeded
    /// The report was written but a review gate tripped.
    case gateTripped
    /// The job failed with one error line (exit code of its error).
    case failed(exitCode: Int32)
    /// The job's process was ended by a signal (a crash, an abort, the out-of-memory killer).
    case killed(signal: Int32)

    var failed: Bool {
        switch self {
        case .succeeded, .gateTripped: return false
        case .failed, .killed: return true
        }
    }

    /// The job's entry in the batch record.
    var record: [(String, SummaryValue)] {
        switch self {
        case .succeeded: return [("status", .text("ok"))]
        case .gateTripped: return [("status", .text("gate_tripped"))]
        case .failed(let code): return [("status", .text("failed")), ("exit_code", .integer(Int(code)))]
        case .killed(let signal):
            return [("status", .text("killed")), ("signal", .integer(Int(signal))), ("signal_name", .text(JobProcess.signalName(signal)))]
        }
    }
}

extension BatchRunner {
    /// `loupe run-job`: runs one job of a config in this process, as a child of `loupe run`.
    ///
    /// Returns 0 (report written), 6 (a review gate tripped) or the exit code of the job's error,
    /// which was logged as one line.
    public static func runJob(configPath: String, jobName: String, outputOverride: String? = nil, log: RunLog = RunLog()) -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        JobProcess.watchParent(environment: environment)
        let config: LoupeConfig
        let job: JobConfig
        do {
            config = try LoupeConfig.load(path: configPath, outputOverride: outputOverride)
            try checkJobNames([jobName], in: config)
            guard let found = config.jobs.first(where: { $0.name == jobName }) else { return ExitCodes.invalidConfig }
            job = found
        } catch {
            log.error(describe(error))
            return ExitCodes.code(for: error)
        }
        switch runInProcess(job, config: config, log: log, environment: environment) {
        case .succeeded: return ExitCodes.success
        case .gateTripped: return ExitCodes.gateTripped
        case .failed(let code): return code
        case .killed(let signal): return 128 + signal
        }
    }

    /// Runs one job in a child process and waits for it; a child ended by a signal is logged as one line
    /// and what it left in the job's folder is removed.
    static func runInChild(_ job: JobConfig, config: LoupeConfig, outputOverride: String?, log: RunLog,
                           executable: String) -> JobOutcome {
        var arguments = ["run-job", config.path, "--job", job.name, "--log-format", log.format.rawValue]
        if let outputOverride { arguments += ["--output", outputOverride] }
        if log.quiet { arguments.append("--quiet") }
        var environment = ProcessInfo.processInfo.environment
        environment[JobProcess.parentVariable] = String(getpid())
        // A crashing child prints one line instead of a long crash report, unless the user asked for one.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        let jobFolder = URL(fileURLWithPath: job.outputFolder).appendingPathComponent(job.name)
        _ = Interrupts.shared  // from now on SIGINT and SIGTERM are forwarded to the job process
        let pid: pid_t
        do {
            pid = try JobProcess.spawn(executable: executable, arguments: arguments, environment: environment)
        } catch {
            log.error(describe(error, job: job.name, configPath: config.path), job: job.name)
            return .failed(exitCode: ExitCodes.code(for: error))
        }
        Interrupts.shared.registerChild(pid, jobFolder: jobFolder)
        let termination = JobProcess.wait(pid)
        Interrupts.shared.unregisterChild(pid)
        // An interrupt is being handled on another thread: it forwards, cleans up and exits.
        if Interrupts.shared.isInterrupted { while true { sleep(1) } }
        switch termination {
        case .exited(ExitCodes.success): return .succeeded
        case .exited(ExitCodes.gateTripped): return .gateTripped
        case .exited(let code):
            RunFolder.removeLeftovers(ofProcess: pid, in: jobFolder)
            return .failed(exitCode: code)
        case .signalled(let signal):
            RunFolder.removeLeftovers(ofProcess: pid, in: jobFolder)
            let error = LoupeError(.computation, file: config.path, location: "job '\(job.name)'", JobProcess.describeSignal(signal))
            log.error(error.description, job: job.name)
            return .killed(signal: signal)
        case nil:
            RunFolder.removeLeftovers(ofProcess: pid, in: jobFolder)
            return .failed(exitCode: ExitCodes.failure)
        }
    }

    /// Writes the batch record: the config, and for each job how it ended (`ok`, `gate_tripped`, `failed`, `killed`).
    static func writeRecord(_ outcomes: [(job: String, outcome: JobOutcome)], configPath: String, to path: String, log: RunLog) {
        let failed = outcomes.filter { $0.outcome.failed }.map { SummaryValue.text($0.job) }
        let record = SummaryValue.object([
            ("config", .text(configPath)),
            ("jobs", .list(outcomes.map { .object([("name", .text($0.job))] + $0.outcome.record) })),
            ("failed", .list(failed)),
        ])
        do {
            try Data((record.json() + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            log.error(LoupeError(.io, file: path, location: "--record", "cannot write the batch record (\(error.localizedDescription))").description)
        }
    }

    /// A job's error as one line in the documented form `<file>: <where>: <what>`.
    ///
    /// An error that names no file is given the config's path, with the job as its place.
    static func describe(_ error: Error, job: String, configPath: String) -> String {
        if let converted = ErrorLines.loupeError(error), !converted.file.isEmpty { return converted.description }
        let place = "job '\(job)'"
        if let converted = ErrorLines.loupeError(error) {
            let location = converted.location.isEmpty ? place : place + ": " + converted.location
            return LoupeError(converted.kind, file: configPath, location: location, converted.reason).description
        }
        return LoupeError(.computation, file: configPath, location: place, String(describing: error)).description
    }
}

extension BatchRunner {
    /// The running executable, which `loupe run` re-executes as `loupe run-job` for each job.
    public static func currentExecutable() -> String { JobProcess.currentExecutable() }
}
