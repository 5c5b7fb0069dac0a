import Dispatch
import Foundation
import LoupePipeline
import LoupeTestSupport
import XCTest

/// Run folders: concurrent runs of one job never share a temporary folder, and abandoned ones are removed.
final class RunFolderTests: XCTestCase {
    private func entries(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    /// Two runs with the same run id (same config, same second) write side by side and both commit;
    /// the run id then names one complete run, and no temporary folder is left.
    func testConcurrentRunsOfOneJobBothCommit() throws {
        let output = try makeTemporaryDirectory(self)
        let first = try RunFolder(outputFolder: output.path, jobName: "job", runID: "20260101-000000-s1")
        let second = try RunFolder(outputFolder: output.path, jobName: "job", runID: "20260101-000000-s1")
        XCTAssertNotEqual(first.temporaryURL, second.temporaryURL)
        let failures = NSLock()
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let folder = index == 0 ? first : second
            do {
                for file in 0..<20 { try folder.write(Data("run \(index) file \(file)".utf8), to: "f\(file).txt") }
                try folder.commit()
            } catch {
                failures.lock(); errors.append("\(error)"); failures.unlock()
            }
        }
        XCTAssertEqual(errors, [])
        let job = output.appendingPathComponent("job")
        XCTAssertEqual(entries(job), ["20260101-000000-s1"])
        let run = job.appendingPathComponent("20260101-000000-s1")
        XCTAssertEqual(entries(run).count, 20)
        let owners = Set(try (0..<20).map { try String(contentsOf: run.appendingPathComponent("f\($0).txt"), encoding: .utf8).prefix(5) })
        XCTAssertEqual(owners.count, 1, "one run's files, never a mix: \(owners)")
    }

    /// A temporary folder whose process is gone (SIGKILL) is removed at the next run of the job; one whose
    /// process still runs is left alone.
    func testAbandonedPartialFoldersAreRemoved() throws {
        let output = try makeTemporaryDirectory(self)
        let job = output.appendingPathComponent("job")
        let dead = job.appendingPathComponent(".20260101-000000-s1.partial-2147483646-abc")
        let alive = job.appendingPathComponent(".20260101-000000-s1.partial-1-abc") // pid 1 always runs
        for url in [dead, alive] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        let folder = try RunFolder(outputFolder: output.path, jobName: "job", runID: "20260101-000001-s1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: alive.path))
        folder.discard()
        XCTAssertEqual(entries(job), [alive.lastPathComponent])
    }
}
