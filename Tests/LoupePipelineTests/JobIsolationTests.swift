import Foundation
import LoupePipeline
import LoupeTestSupport
import XCTest

/// `loupe run` runs each job in its own process: a crash fails one job, signals never leave half a report,
/// and concurrent runs of one config each get their own run folder.
final class JobIsolationTests: XCTestCase {
    /// Ten jobs; job 3 aborts inside its process (the `LOUPE_TEST_ABORT_JOB` hook, after its run folder
    /// exists) and job 7's model is a hostile file: the other eight finish, exit code 1, one line each.
    func testACrashingJobFailsAloneAndLeavesNothing() throws {
        let scratch = try PipelineScratch("isolation")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        _ = try scratch.write("\u{08}\u{01}\u{12}\u{ff}\u{ff}\u{ff}\u{ff}\u{0f}garbage", to: "hostile.onnx")
        let names = (1...10).map { "j\($0)" }
        let config = try scratch.write(tinyJobsConfig(names, model: { $0 == "j7" ? "hostile.onnx" : "tiny.onnx" }), to: "c.json")
        let result = try LoupeProcess.run(["run", config, "--quiet", "--record", scratch.path("batch.json")], in: scratch.folder,
                                          environment: ["LOUPE_TEST_ABORT_JOB": "j3"])
        XCTAssertEqual(result.code, 1, result.stderr)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.contains("j3") }, ["error: \(config): job 'j3': killed by signal 6 (SIGABRT)"], result.stderr)
        let hostile = lines.filter { $0.contains("hostile.onnx") }
        XCTAssertEqual(hostile.count, 1, result.stderr)
        XCTAssertTrue(hostile.first?.hasPrefix("error: \(scratch.path("hostile.onnx")): ") ?? false, result.stderr)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("error: ") }, "only error lines with --quiet: \(result.stderr)")
        for name in names {
            let contents = JobFolderContents(scratch.folder.appendingPathComponent("reports/\(name)"))
            XCTAssertEqual(contents.other, [], "\(name) left temporary files")
            XCTAssertEqual(contents.complete.count, ["j3", "j7"].contains(name) ? 0 : 1, name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("reports/j3")), "nothing is left of the crashed job")
        let record = try String(contentsOfFile: scratch.path("batch.json"), encoding: .utf8)
        XCTAssertTrue(record.contains(#""failed": ["j3", "j7"]"#), record)
        XCTAssertTrue(record.contains(#""signal_name": "SIGABRT""#), record)
    }

    /// SIGTERM at a few moments of a run: the parent forwards it to the job process and exits 143; each job
    /// then holds complete runs only (the old report or none), and no temporary folder or file.
    func testSIGTERMLeavesCompleteRunsOrNone() throws {
        let scratch = try PipelineScratch("sigterm")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let names = ["a", "b", "c"]
        let config = try scratch.write(tinyJobsConfig(names), to: "c.json")
        for delay in [0.05, 0.4, 0.9, 1.6] {
            let run = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder)
            Thread.sleep(forTimeInterval: delay)
            run.process.terminate()
            let result = run.finish()
            XCTAssertTrue([0, 143].contains(result.code) || result.reason == .uncaughtSignal, "\(delay) s: \(result.code) \(result.stderr)")
            for name in names {
                let contents = JobFolderContents(scratch.folder.appendingPathComponent("reports/\(name)"))
                XCTAssertEqual(contents.other, [], "SIGTERM after \(delay) s left temporary files in \(name)")
            }
        }
    }

    /// SIGKILL of `loupe run` at a few moments: its job process notices and stops, removing its temporary
    /// folder; nothing but complete runs remains.
    func testSIGKILLLeavesCompleteRunsOrNone() throws {
        let scratch = try PipelineScratch("sigkill")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let names = ["a", "b"]
        let config = try scratch.write(tinyJobsConfig(names), to: "c.json")
        for delay in [0.3, 0.8, 1.4] {
            let run = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder, discardOutput: true)
            Thread.sleep(forTimeInterval: delay)
            kill(run.process.processIdentifier, SIGKILL)
            _ = run.finish()
            var leftovers = [String]()
            for _ in 0..<50 {  // the orphaned job process stops within a fraction of a second
                leftovers = names.flatMap { JobFolderContents(scratch.folder.appendingPathComponent("reports/\($0)")).other }
                if leftovers.isEmpty { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            XCTAssertEqual(leftovers, [], "SIGKILL after \(delay) s")
        }
    }

    /// Two `loupe run` of one config at once: both finish, each with its own complete run folder, and
    /// `latest` points at one of them.
    func testTwoConcurrentRunsBothFinish() throws {
        let scratch = try PipelineScratch("concurrent")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write(tinyJobsConfig(["same"]), to: "c.json")
        let first = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder)
        let second = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder)
        let results = [first.finish(), second.finish()]
        for result in results { XCTAssertEqual(result.code, 0, result.stderr) }
        let contents = JobFolderContents(scratch.folder.appendingPathComponent("reports/same"))
        XCTAssertEqual(contents.complete.count, 2, "\(contents)")
        XCTAssertEqual(contents.other, [])
        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path("reports/same/latest"))
        XCTAssertTrue(contents.complete.contains(latest), latest)
    }
}
