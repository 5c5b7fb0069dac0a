import Foundation
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// A real one-node Slurm (scripts/slurm-local.sh): a 4-task shard array and a dependent merge give the single run's report.
final class ShardSlurmTests: XCTestCase {
    let repository = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a command (found on PATH) and returns its exit status and standard output.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process: its waitUntilExit never returned here once
    /// slurm-local.sh had left daemons behind (the script itself had exited).
    @discardableResult
    func shell(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-shell-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp) == 0 else { throw XCTSkip("cannot start \(arguments[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }

    func testArrayAndDependentMergeMatchSingleRun() throws {
        let binary = try loupeExecutable()
        guard getuid() == 0 else { throw XCTSkip("Slurm needs root here (slurmctld and slurmd run as root)") }
        let script = repository.appendingPathComponent("scripts/slurm-local.sh").path
        let started = try shell(["bash", script, "start"])
        guard started.status == 0, let cluster = started.output.split(separator: "\n").last.map(String.init) else {
            throw XCTSkip("Slurm could not start here (scripts/slurm-local.sh start failed; is slurm-wlm installed?)")
        }
        defer { _ = try? shell(["bash", script, "stop", cluster]) }
        let slurm = ["SLURM_CONF": "\(cluster)/slurm.conf"]

        let scratch = try PipelineScratch("shards-slurm")
        let harness = try ShardHarness.demo(scratch, count: 600, sections: ShardHarness.fullDemoSections, batchSize: 32)
        let single = try harness.single()
        let settings = slurm.merging(["LOUPE": binary.path, "LOUPE_CONFIG": harness.config, "LOUPE_OUTPUT": scratch.path(ShardHarness.work),
                                      "SOURCE_DATE_EPOCH": "1700000000"]) { $1 }
        let template = repository.appendingPathComponent("deploy/slurm/loupe-array.sbatch").path
        let array = try shell(["sbatch", "--parsable", "--array=0-3", "--chdir=\(scratch.folder.path)", template], environment: settings)
        XCTAssertEqual(array.status, 0)
        let arrayID = array.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let mergeTemplate = repository.appendingPathComponent("deploy/slurm/loupe-merge.sbatch").path
        let merge = try shell(["sbatch", "--parsable", "--dependency=afterok:\(arrayID)", "--chdir=\(scratch.folder.path)", mergeTemplate],
                              environment: settings)
        XCTAssertEqual(merge.status, 0)
        let mergeID = merge.output.trimmingCharacters(in: .whitespacesAndNewlines)
        // Waits for both jobs to leave the queue; a controller that stops answering fails the test within
        // a minute instead of polling until the deadline.
        let deadline = Date().addingTimeInterval(1200)
        var failedQueries = 0
        while Date() < deadline {
            let queued = try shell(["squeue", "-h", "-j", "\(arrayID),\(mergeID)"], environment: slurm)
            if queued.status == 0 && queued.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
            if queued.status != 0, try shell(["scontrol", "ping"], environment: slurm).status == 0 { break }  // jobs purged
            failedQueries = queued.status == 0 ? 0 : failedQueries + 1
            if failedQueries >= 30 {
                return XCTFail("slurmctld stopped answering squeue (last answer: \(queued.output.prefix(200)))")
            }
            Thread.sleep(forTimeInterval: 2)
        }
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: scratch.folder.path))?.filter { $0.hasSuffix(".log") } ?? []
        XCTAssertEqual(logs.filter { $0.hasPrefix("loupe-shard-") }.count, 4, "\(logs)")
        XCTAssertEqual(logs.filter { $0.hasPrefix("loupe-merge-") }.count, 1, "the merge ran after the array: \(logs)")
        let shards = try FileManager.default.contentsOfDirectory(atPath: ShardIdentity.folder(for: try XCTUnwrap(
            try LoupeConfig.load(path: harness.config, outputOverride: scratch.path(ShardHarness.work)).jobs.first)))
        XCTAssertEqual(shards.sorted(), (0..<4).map { "\($0)-of-4.loupeshard" })
        try ShardHarness.assertSameReport(single, try harness.keep("slurm"), "Slurm, 4 shards")
    }
}
