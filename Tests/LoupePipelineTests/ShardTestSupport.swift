import Foundation
import LoupePipeline
import LoupeTestSupport
import XCTest

/// Configs, single runs and sharded runs for the shard tests; every run is reproducible (`SOURCE_DATE_EPOCH`).
struct ShardHarness {
    let scratch: PipelineScratch
    var config: String

    /// The demo model on `count` synthetic shapes with the given sections (JSON of the `sections` object).
    static func demo(_ scratch: PipelineScratch, count: Int, sections: String, batchSize: Int = 16, seed: Int = 1) throws -> ShardHarness {
        let root = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()
        let model = root.appendingPathComponent("Demo/shapes-cnn.onnx").path
        let classes = root.appendingPathComponent("Demo/classes.txt").path
        let json = """
            {"jobs": [{"name": "demo", "model": {"path": "\(model)"}, "classes": {"file": "\(classes)"},
              "dataset": {"kind": "synthetic-shapes", "count": \(count), "seed": 7},
              "training_data": {"kind": "synthetic-shapes", "count": 200, "seed": 11},
              "sections": \(sections), "seed": \(seed), "batch_size": \(batchSize), "output": "reports"}]}
            """
        return ShardHarness(scratch: scratch, config: try scratch.write(json, to: "config-\(seed).json"))
    }

    /// The sections that stream the dataset, kept small for debug builds.
    static let streamingSections = """
        {"summary": true, "activations": true, "gradients": {"samples": 2, "confused_pairs": 1, "statistics_images": 70},
         "robustness": {"corruptions": ["gaussian_noise", "contrast"], "severities": [1, 5], "images_per_corruption": 90},
         "embeddings": {"points": 100, "methods": ["pca"]}}
        """

    /// Every section, as the demo config has them (its config.json).
    static let fullDemoSections = """
        {"summary": true, "weights": true, "activations": true, "gradients": true, "sanity": true, "robustness": true, "embeddings": true,
         "features": {"data_randomisation": {"budget_seconds": 30}}}
        """

    /// Runs `body` with `SOURCE_DATE_EPOCH` set, restoring the environment afterwards.
    static func reproducibly<T>(_ body: () throws -> T) rethrows -> T {
        let before = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"]
        setenv("SOURCE_DATE_EPOCH", "1700000000", 1)
        defer { if let before { setenv("SOURCE_DATE_EPOCH", before, 1) } else { unsetenv("SOURCE_DATE_EPOCH") } }
        return try body()
    }

    /// A quiet log that keeps its lines.
    final class Lines {
        var lines = [String]()
        var log: RunLog { RunLog(quiet: true, sink: { [self] in lines.append(contentsOf: $0.split(separator: "\n").map(String.init)) }) }
        var text: String { lines.joined(separator: "\n") }
    }

    /// The one run folder under `output`.
    func runFolder(_ output: String) throws -> String {
        let runs = scratch.runs("demo", under: output).filter { $0 != "shards" }
        XCTAssertEqual(runs.count, 1, "\(runs)")
        return scratch.path("\(output)/demo/\(try XCTUnwrap(runs.first))")
    }

    /// Moves the run folder written under `work` to `label` (the PDF names its output folder, so every run writes
    /// under the same one) and removes the shards; returns the moved folder.
    func keep(_ label: String) throws -> String {
        let target = scratch.path(label)
        try FileManager.default.moveItem(atPath: try runFolder(Self.work), toPath: target)
        try? FileManager.default.removeItem(atPath: scratch.path("\(Self.work)/demo"))
        return target
    }

    /// The output folder every run writes into.
    static let work = "work"

    /// `loupe run` on one machine; returns its run folder (moved to `single`).
    func single() throws -> String {
        let lines = Lines()
        let code = Self.reproducibly { BatchRunner.run(configPath: config, outputOverride: scratch.path(Self.work), log: lines.log) }
        XCTAssertEqual(code, 0, lines.text)
        return try keep("single")
    }

    /// Every shard of `count` (in the given order), then the merge; returns the merged run folder (moved to `sharded-N`).
    func sharded(_ count: Int, order: [Int]? = nil) throws -> String {
        try shards(order ?? Array(0..<count), of: count, into: Self.work)
        let merged = merge(Self.work)
        XCTAssertEqual(merged.code, 0, merged.lines.joined(separator: "\n"))
        return try keep("sharded-\(count)")
    }

    /// Shards `indices` of `count` into `output` (exit code of the last failure, else 0).
    @discardableResult
    func shards(_ indices: [Int], of count: Int, into output: String) throws -> Int32 {
        let lines = Lines()
        var result: Int32 = 0
        for index in indices {
            let code = try Self.reproducibly {
                ShardRuns.runShard(try ShardSpec(index: index, count: count), configPath: config, outputOverride: scratch.path(output),
                                   log: lines.log)
            }
            if code != 0 { result = code }
        }
        XCTAssertEqual(result, 0, lines.text)
        return result
    }

    /// `loupe merge` of `output`'s shards; returns the exit code and the log.
    func merge(_ output: String) -> (code: Int32, lines: [String]) {
        let lines = Lines()
        let code = Self.reproducibly { ShardRuns.merge(configPath: config, outputOverride: scratch.path(output), log: lines.log) }
        return (code, lines.lines)
    }

    /// Asserts that two run folders hold byte-identical summary.json and report.pdf.
    static func assertSameReport(_ a: String, _ b: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for name in ["summary.json", "report.pdf"] {
            let left = try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(name)"))
            let right = try Data(contentsOf: URL(fileURLWithPath: "\(b)/\(name)"))
            XCTAssertTrue(left == right, "\(name) differs: \(message)", file: file, line: line)
        }
    }
}
