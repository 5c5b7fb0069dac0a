import Foundation
import LoupeTensor

/// One job of a batch run in a child process: the `loupe` binary re-executed as `loupe run-job`.
///
/// A crash, an abort inside a C library or an out-of-memory kill then ends only that child; the
/// parent reports it as the job's failure in one line and runs the next job. The child inherits
/// standard output and error, so its log lines pass through unchanged.
enum JobProcess {
    /// How a child process ended.
    enum Termination: Equatable {
        /// It called exit with this code.
        case exited(Int32)
        /// A signal ended it (SIGABRT, SIGSEGV, SIGKILL from the out-of-memory killer...).
        case signalled(Int32)
    }

    /// The environment variable that tells a job process which process started it (to notice its death).
    static let parentVariable = "LOUPE_PARENT_PID"

    /// Starts `executable` with `arguments` (argv[0] excluded) and `environment`; returns its pid.
    static func spawn(executable: String, arguments: [String], environment: [String: String]) throws -> pid_t {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        // This process ignores SIGINT and SIGTERM (a dispatch source handles them), and ignored signals
        // are inherited: the child starts with their default actions and nothing blocked, so it can be stopped.
        #if os(Linux)
        var attributes = posix_spawnattr_t()
        #else
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), unblocked = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM] { sigaddset(&defaults, number) }
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        closeOnExec()
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        guard status == 0 else {
            throw LoupeError(.io, file: executable, location: "run-job", "cannot start a job process (\(String(cString: strerror(status))))")
        }
        return pid
    }

    /// Marks every open descriptor above standard error close-on-exec, so a job process gets only
    /// standard input, output and error: no pipe whoever started `loupe run` holds open stays open in it.
    static func closeOnExec() {
        #if os(Linux)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
        #endif
    }

    /// Waits until `pid` ends, retrying after interrupted waits; nil when another thread reaped it first.
    static func wait(_ pid: pid_t) -> Termination? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return termination(status)
    }

    /// Decodes a `waitpid` status (the POSIX layout: low 7 bits the signal, next byte the exit code).
    static func termination(_ status: Int32) -> Termination {
        let signalNumber = status & 0x7f
        return signalNumber == 0 ? .exited((status >> 8) & 0xff) : .signalled(signalNumber)
    }

    /// A signal's conventional name, e.g. `SIGABRT`.
    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [SIGABRT: "SIGABRT", SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGILL: "SIGILL", SIGFPE: "SIGFPE",
                                      SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGINT: "SIGINT", SIGTRAP: "SIGTRAP",
                                      SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGPIPE: "SIGPIPE", SIGHUP: "SIGHUP"]
        return names[number] ?? "signal \(number)"
    }

    /// What a job's end by a signal says in its error line.
    static func describeSignal(_ number: Int32) -> String {
        var text = "killed by signal \(number) (\(signalName(number)))"
        if number == SIGKILL { text += "; the system may have run out of memory" }
        return text
    }

    /// The path of the running executable (`/proc/self/exe` on Linux), to re-execute for each job.
    static func currentExecutable() -> String {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        #endif
        if let path = Bundle.main.executablePath { return path }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "loupe").standardizedFileURL.path
    }

    /// In a job process: ends it (through SIGTERM, so temporary folders are removed) once the parent is gone.
    ///
    /// A parent killed with SIGKILL cannot forward anything; its orphaned child notices that it was
    /// re-parented and stops instead of finishing a report nobody waits for.
    static func watchParent(environment: [String: String]) {
        guard let text = environment[parentVariable], let parent = pid_t(text), parent > 1 else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(200))
        timer.setEventHandler {
            guard getppid() != parent else { return }
            timer.cancel()
            kill(getpid(), SIGTERM)
        }
        timer.resume()
        parentWatch = timer
    }

    /// The timer of `watchParent`, kept for the life of the process.
    nonisolated(unsafe) private static var parentWatch: DispatchSourceTimer?

    /// Test hooks, in job processes only, once the job's run folder exists: `LOUPE_TEST_ABORT_JOB=<name>`
    /// aborts (a crash inside a C library), `LOUPE_TEST_STALL_JOB=<name>` waits until a signal ends it.
    static func testHooks(job: String, environment: [String: String]) {
        guard environment[parentVariable] != nil else { return }
        if environment["LOUPE_TEST_ABORT_JOB"] == job { abort() }
        if environment["LOUPE_TEST_STALL_JOB"] == job { while true { sleep(60) } }
    }
}
