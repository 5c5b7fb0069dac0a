import Foundation
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// Missing, stale, damaged, killed and doubled shards.
final class ShardFaultTests: XCTestCase {
    static let sections = #"{"summary": true, "activations": true, "embeddings": {"points": 60, "methods": ["pca"]}}"#

    func shardFiles(_ harness: ShardHarness) -> [String] {
        let root = harness.scratch.path("\(ShardHarness.work)/demo/shards")
        let enumerator = FileManager.default.enumerator(atPath: root)
        return ((enumerator?.allObjects as? [String]) ?? []).filter { $0.hasSuffix(".loupeshard") || $0.contains(".loupeshard.tmp") }.sorted()
    }

    /// A merge with shard 1 of 3 missing names it, exits 4 and writes no run folder.
    func testMissingShardIsNamedAndNothingIsWritten() throws {
        let scratch = try PipelineScratch("shards-missing")
        let harness = try ShardHarness.demo(scratch, count: 200, sections: Self.sections)
        try harness.shards([0, 2], of: 3, into: ShardHarness.work)
        let merged = harness.merge(ShardHarness.work)
        XCTAssertEqual(merged.code, ExitCodes.invalidInput)
        XCTAssertEqual(merged.lines.filter { $0.contains("error") }.count, 1, merged.lines.joined(separator: "\n"))
        XCTAssertTrue(merged.lines.contains { $0.contains("1-of-3.loupeshard") && $0.contains("shard 1 of 3 is missing") },
                      merged.lines.joined(separator: "\n"))
        XCTAssertEqual(scratch.runs("demo", under: ShardHarness.work), ["shards"], "no run folder, no temporary folder")
    }

    /// Shards written for another config (here another seed) are not merged: not found under the new config's
    /// hash, and refused by their header when copied there.
    func testShardsOfAnOlderConfigAreRefused() throws {
        let scratch = try PipelineScratch("shards-stale")
        let old = try ShardHarness.demo(scratch, count: 100, sections: Self.sections, seed: 1)
        try old.shards([0, 1], of: 2, into: ShardHarness.work)
        let new = try ShardHarness.demo(scratch, count: 100, sections: Self.sections, seed: 2)
        let notFound = new.merge(ShardHarness.work)
        XCTAssertEqual(notFound.code, ExitCodes.invalidInput)
        XCTAssertTrue(notFound.lines.contains { $0.contains("no shards of this config") && $0.contains("another config") },
                      notFound.lines.joined(separator: "\n"))
        // Copied into the new config's folder, the header's config hash gives them away.
        let job = try XCTUnwrap(try LoupeConfig.load(path: new.config, outputOverride: scratch.path(ShardHarness.work)).jobs.first)
        let oldJob = try XCTUnwrap(try LoupeConfig.load(path: old.config, outputOverride: scratch.path(ShardHarness.work)).jobs.first)
        try FileManager.default.copyItem(atPath: ShardIdentity.folder(for: oldJob), toPath: ShardIdentity.folder(for: job))
        let refused = new.merge(ShardHarness.work)
        XCTAssertEqual(refused.code, ExitCodes.invalidInput)
        XCTAssertTrue(refused.lines.contains { $0.contains("0-of-2.loupeshard") && $0.contains("config hash") }, refused.lines.joined(separator: "\n"))
        XCTAssertEqual(scratch.runs("demo", under: ShardHarness.work), ["shards"])
    }

    /// A shard changed after it was written (a flipped byte, a cut) fails its checksum or length check.
    func testDamagedShardIsRefused() throws {
        let scratch = try PipelineScratch("shards-damaged")
        let harness = try ShardHarness.demo(scratch, count: 100, sections: Self.sections)
        try harness.shards([0], of: 1, into: ShardHarness.work)
        let path = scratch.path("\(ShardHarness.work)/demo/shards/\(try XCTUnwrap(shardFiles(harness).first))")
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertNoThrow(try ShardFile.read(path: path))
        data[data.count - 5] ^= 0x40
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ShardFile.read(path: path)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ShardFile.read(path: path))
        let merged = harness.merge(ShardHarness.work)
        XCTAssertEqual(merged.code, ExitCodes.invalidInput)
        XCTAssertEqual(scratch.runs("demo", under: ShardHarness.work), ["shards"])
    }

    /// The `loupe` executable with `arguments`, started (not waited for), SOURCE_DATE_EPOCH set.
    func startLoupe(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try loupeExecutable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SOURCE_DATE_EPOCH"] = "1700000000"
        process.environment = environment
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGKILL in the middle of a shard leaves no shard file for a merge to pick up.
    func testKilledShardLeavesNoFile() throws {
        let scratch = try PipelineScratch("shards-killed")
        let harness = try ShardHarness.demo(scratch, count: 3000, sections: #"{"activations": true, "robustness": true}"#)
        let process = try startLoupe(["run", harness.config, "--shard", "0/1", "--output", scratch.path(ShardHarness.work), "--quiet"])
        Thread.sleep(forTimeInterval: 3)
        guard process.isRunning else { throw XCTSkip("the shard finished within 3 s; nothing to kill") }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(shardFiles(harness).filter { $0.hasSuffix(".loupeshard") }, [])
        XCTAssertEqual(harness.merge(ShardHarness.work).code, ExitCodes.invalidInput)
    }

    /// Two processes running shard 0 of 2 at once: both finish, one whole file remains (the last renamed wins), no
    /// temporary file is left, and the merge succeeds.
    func testSameShardTwiceAtOnce() throws {
        let scratch = try PipelineScratch("shards-twice")
        let harness = try ShardHarness.demo(scratch, count: 200, sections: Self.sections)
        let arguments = ["run", harness.config, "--shard", "0/2", "--output", scratch.path(ShardHarness.work), "--quiet"]
        let first = try startLoupe(arguments), second = try startLoupe(arguments)
        first.waitUntilExit()
        second.waitUntilExit()
        XCTAssertEqual([first.terminationStatus, second.terminationStatus], [0, 0])
        XCTAssertEqual(shardFiles(harness).map { ($0 as NSString).lastPathComponent }, ["0-of-2.loupeshard"])
        try harness.shards([1], of: 2, into: ShardHarness.work)
        let merged = harness.merge(ShardHarness.work)
        XCTAssertEqual(merged.code, 0, merged.lines.joined(separator: "\n"))
    }

    /// The pid of a process that has already ended (a reused pid would only keep a leftover, never remove a live one).
    func endedProcessID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// What a shard killed between write and rename leaves (a hidden `.tmp-<pid>-<random>-<host>` file) is removed by
    /// the next shard write and by the merge when its writer is gone; a live writer's file and another host's are kept,
    /// and the merged report is the same as without any leftovers.
    func testAbandonedTemporaryFilesAreRemovedLiveOnesKept() throws {
        let scratch = try PipelineScratch("shards-leftovers")
        let harness = try ShardHarness.demo(scratch, count: 200, sections: Self.sections)
        try harness.shards([0, 1], of: 2, into: ShardHarness.work)
        XCTAssertEqual(harness.merge(ShardHarness.work).code, 0)
        let clean = scratch.path("clean")
        try FileManager.default.moveItem(atPath: try harness.runFolder(ShardHarness.work), toPath: clean)

        let job = try XCTUnwrap(try LoupeConfig.load(path: harness.config, outputOverride: scratch.path(ShardHarness.work)).jobs.first)
        let folder = ShardIdentity.folder(for: job)
        let live = Process()
        live.executableURL = URL(fileURLWithPath: "/bin/sleep")
        live.arguments = ["600"]
        try live.run()
        defer { live.terminate(); live.waitUntilExit() }
        let host = TemporaryOwner.current.host
        func plant(_ shard: String, pid: pid_t, host: String) throws -> String {
            let path = "\(folder)/.\(shard).loupeshard.tmp-\(pid)-\(String(UInt32.random(in: 1...UInt32.max), radix: 16))-\(host)"
            try Data("half a shard".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
        let liveFile = try plant("1-of-2", pid: live.processIdentifier, host: host)
        let otherHost = try plant("0-of-2", pid: try endedProcessID(), host: "elsewhere.example")
        let deadBeforeShard = try plant("0-of-2", pid: try endedProcessID(), host: host)
        try harness.shards([1], of: 2, into: ShardHarness.work)
        XCTAssertFalse(exists(deadBeforeShard), "the next shard write removes a dead writer's file")
        let deadBeforeMerge = try plant("1-of-2", pid: try endedProcessID(), host: host)
        // A killed merge's temporary run folder (RunFolder's `.partial-<pid>-<random>-<host>`): abandoned, live, another host's.
        let jobFolder = scratch.path("\(ShardHarness.work)/demo")
        let deadPartial = "\(jobFolder)/.20000101-000000-s1.partial-\(try endedProcessID())-abc-\(host)"
        let livePartials = ["\(jobFolder)/.20000101-000000-s1.partial-\(live.processIdentifier)-abc-\(host)",
                            "\(jobFolder)/.20000101-000000-s1.partial-\(try endedProcessID())-abc-elsewhere.example"]
        for partial in [deadPartial] + livePartials { try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: false) }
        let merged = harness.merge(ShardHarness.work)
        XCTAssertEqual(merged.code, 0, merged.lines.joined(separator: "\n"))
        XCTAssertFalse(exists(deadBeforeMerge), "the merge removes a dead writer's file")
        XCTAssertTrue(exists(liveFile), "a live writer's file is kept")
        XCTAssertTrue(exists(otherHost), "another host's file is kept (its pid means nothing here)")
        XCTAssertFalse(exists(deadPartial), "the merge removes a dead merge's temporary run folder")
        for partial in livePartials {
            XCTAssertTrue(exists(partial), "a live run's temporary folder is kept, and so is another host's")
            try FileManager.default.removeItem(atPath: partial)
        }
        try ShardHarness.assertSameReport(clean, try harness.runFolder(ShardHarness.work), "merge with leftovers around")
    }
}
