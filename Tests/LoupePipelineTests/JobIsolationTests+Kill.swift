import Foundation
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// A job process ended by SIGKILL, as the out-of-memory killer ends it (see `JobIsolationTests`).
extension JobIsolationTests {
    /// The job process of the middle job is killed with SIGKILL while it holds its temporary folder
    /// (`LOUPE_TEST_STALL_JOB`): one error line naming the job and the signal, exit code 1, the other jobs
    /// finish, the batch record says `killed`, and nothing of the killed job is left.
    func testJobKilledWithSIGKILLFailsAloneInOneLine() throws {
        let scratch = try PipelineScratch("sigkill-job")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write(tinyJobsConfig(["first", "killed", "last"]), to: "c.json")
        let run = try LoupeProcess(["run", config, "--quiet", "--record", scratch.path("batch.json")], in: scratch.folder,
                                   environment: ["LOUPE_TEST_STALL_JOB": "killed"])
        let held = scratch.folder.appendingPathComponent("reports/killed")
        for _ in 0..<400 where JobFolderContents(held).other.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        let partial = try XCTUnwrap(JobFolderContents(held).other.first, "the held job's temporary folder exists")
        // The temporary folder's name carries the job process's owner tag (pid, random part, host).
        let tag = partial.components(separatedBy: ".partial-").last.map { Substring($0) }
        let owner = try XCTUnwrap(tag.flatMap(TemporaryOwner.init(tag:))?.pid, partial)
        XCTAssertEqual(kill(owner, SIGKILL), 0, "no process \(owner)")
        let result = run.finish()
        XCTAssertEqual(result.code, ExitCodes.failure, result.stderr)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.map(String.init)
        XCTAssertEqual(errors, ["error: \(config): job 'killed': killed by signal 9 (SIGKILL); the system may have run out of memory"],
                       result.stderr)
        for name in ["first", "last"] {
            XCTAssertEqual(JobFolderContents(scratch.folder.appendingPathComponent("reports/\(name)")).complete.count, 1, name)
        }
        XCTAssertEqual(JobFolderContents(held).complete + JobFolderContents(held).other, [], "the killed job left files")
        let record = try RunSnapshot.readJSON(scratch.path("batch.json"))
        XCTAssertEqual(record["failed"]?.listValue?.compactMap(\.textValue), ["killed"])
        let killed = record["jobs"]?.listValue?[1]
        XCTAssertEqual(killed?["status"]?.textValue, "killed")
        XCTAssertEqual(killed?["signal_name"]?.textValue, "SIGKILL")
    }
}
