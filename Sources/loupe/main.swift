import ArgumentParser
import Foundation
import LoupePipeline

/// The `loupe` command: a report on what an image classifier learned.
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Turn an image classifier (ONNX) and a dataset into a report on what it learned.",
        version: LoupeVersion.string,
        subcommands: [InspectCommand.self, InferCommand.self, AttributeCommand.self, RunCommand.self, RunJobCommand.self, MergeCommand.self, ValidateCommand.self, TrainDemoCommand.self, CorruptCommand.self, EmbedCommand.self, RenderSampleCommand.self, BenchCommand.self, BenchConvCommand.self, CompareCommand.self])
}

/// Runs a command body, printing a LoupeError as one line and exiting with its documented code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        ExitCodes.report(error)
        throw ExitCode(ExitCodes.code(for: error))
    }
}

/// Parses and runs; command-line mistakes become one `error:` line and exit code 2 (README, "Exit codes").
func runLoupe() -> Never {
    do {
        var command = try Loupe.parseAsRoot()
        try command.run()
        exit(0)
    } catch let code as ExitCode {
        exit(code.rawValue)
    } catch {
        let code = Loupe.exitCode(for: error)
        if code == .success {
            print(Loupe.fullMessage(for: error))
            exit(0)
        }
        if code == .validationFailure {
            let message = Loupe.message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
            FileHandle.standardError.write(Data("error: \(message) (see 'loupe help')\n".utf8))
            exit(2)
        }
        Loupe.exit(withError: error)
    }
}

#if os(Linux)
import CMalloc

/// Keeps freed tensor buffers in the heap for the next operator instead of returning them to the
/// kernel: every op output is a fresh array, and re-mapping it costs a page fault per 4 KB (measured
/// on a ResNet-18 saliency run: about 3x fewer page faults). No buffer is mapped on its own
/// (`M_MMAP_MAX` 0): glibc caps the mmap threshold at 32 MB, and at 224 px a batch of 32 makes
/// 100 MB activations, each faulted in anew (MobileNet-V2 forward 70 → 112 images/s, same peak RSS).
/// One arena for all threads: the workers of a split batch would otherwise each keep their own
/// freed buffers (MobileNetV3 IG peak RSS 105–131 MB from run to run, 99 MB with one arena, same speed).
func keepFreedBuffers() {
    _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
    _ = mallopt(M_MMAP_MAX, 0)
    _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
    _ = mallopt(M_ARENA_MAX, 1)
}
#else
func keepFreedBuffers() {}
#endif

/// The file `LOUPE_PEAK_MEMORY_FILE` names, kept for the exit handler (a C function cannot capture it).
nonisolated(unsafe) private var peakMemoryFile: UnsafeMutablePointer<CChar>?

/// With `LOUPE_PEAK_MEMORY_FILE` set, writes this process's peak resident memory in bytes there at exit.
///
/// The kernel's own figure (`VmHWM`, the high-water mark of this program's memory since it started) is the
/// one the hostile-input tests need: the `ru_maxrss` a parent reads for a spawned child also counts the
/// parent's peak at the time of the spawn (exec folds the old memory map's high-water mark into it).
func recordPeakMemoryAtExit() {
    guard let path = ProcessInfo.processInfo.environment["LOUPE_PEAK_MEMORY_FILE"], !path.isEmpty else { return }
    peakMemoryFile = strdup(path)
    atexit {
        guard let path = peakMemoryFile,
              let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return }
        FileManager.default.createFile(atPath: String(cString: path), contents: Data("\(kilobytes * 1024)\n".utf8))
    }
}

keepFreedBuffers()
recordPeakMemoryAtExit()
// Past a file-size limit (RLIMIT_FSIZE) a write then fails with EFBIG, reported like a full disk,
// instead of the signal ending the process.
signal(SIGXFSZ, SIG_IGN)
runLoupe()
