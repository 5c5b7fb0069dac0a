import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// One run of the `loupe` executable as a child process, with what the hostile-input suite checks:
/// exit code or signal, standard error, wall time and the child's peak resident memory (its own `VmHWM`,
/// which loupe writes at exit to `LOUPE_PEAK_MEMORY_FILE`; `wait4`'s `ru_maxrss` when it did not exit).
struct LoupeChildRun {
    var exitCode: Int32?
    var signal: Int32?
    var stderr: String
    var stdout: String
    var seconds: Double
    /// Peak resident set size of the child, in bytes.
    var peakBytes: Int
    var timedOut: Bool

    /// The non-empty lines of standard error.
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Runs `loupe arguments` in `folder` with `environment` added to this process's, killing it after `timeout` seconds.
    static func run(_ arguments: [String], in folder: String, environment: [String: String] = [:],
                    timeout: Double = 30) throws -> LoupeChildRun {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loupe").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("loupe executable not built beside the tests (run `swift build --product loupe` first)")
        }
        let outPath = NSTemporaryDirectory() + "loupe-child-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer {
            unlink(outPath + ".out")
            unlink(outPath + ".err")
            unlink(outPath + ".peak")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, outPath + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        // The child's own peak: the ru_maxrss of a spawned child also counts this process's peak at the spawn.
        merged["LOUPE_PEAK_MEMORY_FILE"] = outPath + ".peak"
        // The shell changes folder and replaces itself with loupe (same process, so wait4 sees loupe's usage).
        let argv = (["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", folder, binary] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard spawned == 0 else { throw XCTSkip("cannot start \(binary): errno \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            if done < 0 && errno != EINTR { break }
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                break
            }
            usleep(10_000)
        }
        let seconds = Date().timeIntervalSince(started)
        let exited = status & 0x7F == 0
        return LoupeChildRun(exitCode: exited ? (status >> 8) & 0xFF : nil, signal: exited ? nil : status & 0x7F,
                             stderr: String(decoding: FileManager.default.contents(atPath: outPath + ".err") ?? Data(), as: UTF8.self),
                             stdout: String(decoding: FileManager.default.contents(atPath: outPath + ".out") ?? Data(), as: UTF8.self),
                             seconds: seconds, peakBytes: ownPeak(outPath + ".peak") ?? Int(usage.ru_maxrss) * 1024,
                             timedOut: timedOut)
    }

    /// The peak loupe wrote at exit (`LOUPE_PEAK_MEMORY_FILE`), or nil when it wrote none.
    private static func ownPeak(_ path: String) -> Int? {
        FileManager.default.contents(atPath: path)
            .flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
