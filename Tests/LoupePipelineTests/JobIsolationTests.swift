import Foundation
@testable import LoupePipeline
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
        let errors = lines.filter { $0.hasPrefix("error") }
        XCTAssertEqual(errors.count, 2, result.stderr)
        XCTAssertEqual(errors.filter { $0.contains("j3") }, ["error: \(config): job 'j3': killed by signal 6 (SIGABRT)"], result.stderr)
        XCTAssertTrue(errors.contains { $0.hasPrefix("error: \(scratch.path("hostile.onnx")): ") }, result.stderr)
        XCTAssertTrue(lines.last?.hasSuffix(" 2 of 10 jobs failed: j3, j7") ?? false, result.stderr)
        for name in names {
            let contents = JobFolderContents(scratch.folder.appendingPathComponent("reports/\(name)"))
            XCTAssertEqual(contents.other, [], "\(name) left temporary files")
            XCTAssertEqual(contents.complete.count, ["j3", "j7"].contains(name) ? 0 : 1, name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("reports/j3")), "nothing is left of the crashed job")
        let record = try RunSnapshot.readJSON(scratch.path("batch.json"))
        XCTAssertEqual(record["failed"]?.listValue?.compactMap(\.textValue), ["j3", "j7"])
        let entries = record["jobs"]?.listValue ?? []
        XCTAssertEqual(entries.compactMap { $0["status"]?.textValue }, ["ok", "ok", "killed", "ok", "ok", "ok", "failed", "ok", "ok", "ok"])
        XCTAssertEqual(entries[2]["signal_name"]?.textValue, "SIGABRT")
        XCTAssertEqual(entries[6]["exit_code"], .integer(3), "a refused model exits 3")
    }

    /// SIGTERM at a few moments of a run: the parent forwards it to the job process and exits 143; each job
    /// then holds complete runs only (the old report or none), and no temporary folder or file.
    func testSIGTERMLeavesCompleteRunsOrNone() throws {
        let scratch = try PipelineScratch("sigterm")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let names = ["a", "b", "c"]
        let config = try scratch.write(tinyJobsConfig(names), to: "c.json")
        var interrupted = 0
        for delay in [0.05, 0.4, 0.9, 1.6] {
            let run = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder)
            Thread.sleep(forTimeInterval: delay)
            run.process.terminate()
            // Checked as soon as `loupe run` exits: it has waited for its job process to clean up.
            run.process.waitUntilExit()
            for name in names {
                let contents = JobFolderContents(scratch.folder.appendingPathComponent("reports/\(name)"))
                XCTAssertEqual(contents.other, [], "SIGTERM after \(delay) s left temporary files in \(name)")
            }
            let result = run.finish()
            XCTAssertTrue([0, 143].contains(result.code) || result.reason == .uncaughtSignal, "\(delay) s: \(result.code) \(result.stderr)")
            if result.code == 143 { interrupted += 1 }
        }
        XCTAssertGreaterThan(interrupted, 0, "no run was interrupted while a job ran")
    }

    /// SIGTERM while a job runs (held by the `LOUPE_TEST_STALL_JOB` hook): forwarded to the job process, which
    /// removes its temporary folder; `loupe run` exits 143 without starting the next job.
    func testSIGTERMIsForwardedToTheRunningJob() throws {
        let scratch = try PipelineScratch("forward")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write(tinyJobsConfig(["held", "next"]), to: "c.json")
        let run = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder, environment: ["LOUPE_TEST_STALL_JOB": "held"])
        let held = scratch.folder.appendingPathComponent("reports/held")
        for _ in 0..<200 where JobFolderContents(held).other.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(JobFolderContents(held).other.count, 1, "the held job's temporary folder exists")
        run.process.terminate()
        let result = run.finish()
        XCTAssertEqual(result.code, 143, result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "interrupted; temporary files removed").count - 1, 2,
                       "the job process and loupe run each report the interrupt: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: held.path), "nothing is left of the interrupted job")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("reports/next")), "the next job never started")
    }

    /// SIGKILL of `loupe run` while a job is held (`LOUPE_TEST_STALL_JOB`), then at a few moments of a normal
    /// run: the orphaned job process notices and stops, removing its temporary folder; nothing but complete runs remains.
    func testSIGKILLLeavesCompleteRunsOrNone() throws {
        let scratch = try PipelineScratch("sigkill")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let names = ["a", "b"]
        let config = try scratch.write(tinyJobsConfig(names), to: "c.json")
        let held = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder, environment: ["LOUPE_TEST_STALL_JOB": "a"],
                                    discardOutput: true)
        let folderA = scratch.folder.appendingPathComponent("reports/a")
        for _ in 0..<200 where JobFolderContents(folderA).other.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        let partial = try XCTUnwrap(JobFolderContents(folderA).other.first, "the held job's temporary folder exists")
        kill(held.process.processIdentifier, SIGKILL)
        _ = held.finish()
        XCTAssertEqual(waitForNoLeftovers(scratch, names), [], "the orphaned job process removed its temporary folder")
        // Should it not have stopped, end it here (its pid is in the folder's name) rather than leave it running.
        if let tag = partial.components(separatedBy: ".partial-").last, let owner = TemporaryOwner(tag: Substring(tag)) {
            kill(owner.pid, SIGKILL)
        }

        for delay in [0.3, 0.8, 1.4] {
            let run = try LoupeProcess(["run", config, "--quiet"], in: scratch.folder, discardOutput: true)
            Thread.sleep(forTimeInterval: delay)
            kill(run.process.processIdentifier, SIGKILL)
            _ = run.finish()
            XCTAssertEqual(waitForNoLeftovers(scratch, names), [], "SIGKILL after \(delay) s")
        }
    }

    /// Anything but complete runs in the jobs' folders, once the job processes had up to 5 s to stop.
    private func waitForNoLeftovers(_ scratch: PipelineScratch, _ names: [String]) -> [String] {
        var leftovers = [String]()
        for _ in 0..<50 {
            leftovers = names.flatMap { JobFolderContents(scratch.folder.appendingPathComponent("reports/\($0)")).other }
            if leftovers.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return leftovers
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
