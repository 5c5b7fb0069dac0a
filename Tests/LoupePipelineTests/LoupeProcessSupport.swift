import Foundation
import XCTest

/// The `loupe` executable built beside the tests, started as a separate process (isolation, signals, limits).
struct LoupeProcess {
    let process: Process
    private let errors: Pipe?
    private let reader = DispatchGroup()
    private let box = DataBox()

    /// The executable's path; skips the test when it was not built.
    static func binary() throws -> String {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loupe")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("loupe executable not built beside the tests (run `swift build --product loupe` first)")
        }
        return binary.path
    }

    /// Starts `loupe arguments` in `folder` with `environment` added; `fileSizeLimitKB` sets RLIMIT_FSIZE
    /// (through `ulimit -f`), standing in for a full disk. Standard error is collected unless `discardOutput`.
    init(_ arguments: [String], in folder: URL, environment: [String: String] = [:], fileSizeLimitKB: Int? = nil,
         discardOutput: Bool = false) throws {
        let binary = try LoupeProcess.binary()
        process = Process()
        if let limit = fileSizeLimitKB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -f \(limit) && exec \"$0\" \"$@\"", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        if discardOutput {
            errors = nil
            process.standardError = FileHandle.nullDevice
        } else {
            let pipe = Pipe()
            errors = pipe
            process.standardError = pipe
        }
        try process.run()
        if let errors {
            let box = box
            reader.enter()
            DispatchQueue.global().async { [reader] in
                box.data = errors.fileHandleForReading.readDataToEndOfFile()
                reader.leave()
            }
        }
    }

    /// Waits for the process (and, for its standard error, every process that inherited it).
    func finish() -> (code: Int32, reason: Process.TerminationReason, stderr: String) {
        process.waitUntilExit()
        reader.wait()
        return (process.terminationStatus, process.terminationReason, String(decoding: box.data, as: UTF8.self))
    }

    /// Runs `loupe arguments` to the end.
    static func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:],
                    fileSizeLimitKB: Int? = nil) throws -> (code: Int32, stderr: String) {
        let result = try LoupeProcess(arguments, in: folder, environment: environment, fileSizeLimitKB: fileSizeLimitKB).finish()
        return (result.code, result.stderr)
    }
}

private final class DataBox: @unchecked Sendable { var data = Data() }

/// What a job's folder holds after a run: complete run folders, and anything else (temporary leftovers).
struct JobFolderContents {
    var complete: [String] = []
    var other: [String] = []

    /// Reads `<output>/<job>`; a run folder is complete when it holds report.pdf, summary.json and run.json.
    init(_ folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name != "latest" {
            let run = folder.appendingPathComponent(name)
            let files = Set((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? [])
            if !name.hasPrefix("."), ["report.pdf", "summary.json", "run.json"].allSatisfy(files.contains) {
                complete.append(name)
            } else {
                other.append(name)
            }
        }
    }
}

/// A config of tiny jobs (the tiny model, 16 synthetic images, the summary section only), named `names`.
func tinyJobsConfig(_ names: [String], model: (String) -> String = { _ in "tiny.onnx" }, extra: String = "") -> String {
    let jobs = names.map { name in
        #"{"name": "\#(name)", "model": {"path": "\#(model(name))"}, "dataset": {"kind": "synthetic-shapes", "count": 16, "seed": 3}, "sections": {"summary": true}\#(extra)}"#
    }
    return #"{"jobs": [\#(jobs.joined(separator: ", "))]}"#
}
