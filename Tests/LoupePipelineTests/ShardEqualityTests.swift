import Foundation
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// N shards plus a merge write the same summary.json and PDF, byte for byte, as one `loupe run`.
final class ShardEqualityTests: XCTestCase {
    /// Shards are contiguous whole blocks, cover the work list exactly once and start batches where a whole run does.
    func testSlicesCoverTheListInWholeBlocks() throws {
        for (length, batch) in [(0, 32), (1, 32), (130, 16), (2000, 32), (777, 100), (65, 1)] {
            let block = ShardSpec.blockSize(batchSize: batch)
            XCTAssertEqual(block % batch, 0)
            XCTAssertGreaterThanOrEqual(block, ShardSpec.minimumBlock)
            let list = Array(0..<length)
            let whole = ShardSpec.whole.batches(of: list, batchSize: batch)
            for count in [1, 2, 3, 7, 50] {
                var covered = [Int](), batches = [[Int]]()
                for index in 0..<count {
                    let shard = try ShardSpec(index: index, count: count)
                    let range = shard.positions(of: length, batchSize: batch)
                    XCTAssertEqual(range.lowerBound, covered.count, "contiguous, in order")
                    XCTAssertTrue(range.lowerBound % block == 0 || range.isEmpty)
                    covered += list[range]
                    batches += shard.batches(of: list, batchSize: batch)
                    XCTAssertEqual(shard.blocks(of: list, batchSize: batch).flatMap { $0 }, shard.batches(of: list, batchSize: batch))
                }
                XCTAssertEqual(covered, list, "length \(length), \(count) shards")
                XCTAssertEqual(batches, whole, "the same batches as one run")
            }
        }
    }

    /// `--shard I/N`, Slurm's array variables and Kubernetes' completion index, and their refusals.
    func testShardFromArgumentsAndEnvironment() throws {
        XCTAssertEqual(try ShardSpec.resolve(argument: "2/7", shards: nil, environment: [:]), try ShardSpec(index: 2, count: 7))
        XCTAssertEqual(try ShardSpec.resolve(argument: nil, shards: nil,
                                             environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]),
                       try ShardSpec(index: 3, count: 4))
        XCTAssertEqual(try ShardSpec.resolve(argument: nil, shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4",
                                                                                      "SLURM_ARRAY_TASK_MIN": "2"]),
                       try ShardSpec(index: 3, count: 4))
        XCTAssertEqual(try ShardSpec.resolve(argument: nil, shards: 8, environment: ["JOB_COMPLETION_INDEX": "7"]), try ShardSpec(index: 7, count: 8))
        XCTAssertNil(try ShardSpec.resolve(argument: nil, shards: nil, environment: [:]))
        for (argument, shards, environment) in [("4/4", nil, [:]), ("1", nil, [:]), ("-1/3", nil, [:]), ("0/0", nil, [:]),
                                                (nil, nil, ["JOB_COMPLETION_INDEX": "1"]), (nil, 3, [:]),
                                                (nil, 2, ["JOB_COMPLETION_INDEX": "2"])] as [(String?, Int?, [String: String])] {
            XCTAssertThrowsError(try ShardSpec.resolve(argument: argument, shards: shards, environment: environment), "\(String(describing: argument))")
        }
    }

    /// The streamed sections on the demo model: N = 1, 2, 3 and 7 against one run (7 leaves some shards without images).
    func testDemoShardsMatchSingleRun() throws {
        let scratch = try PipelineScratch("shards-demo")
        let harness = try ShardHarness.demo(scratch, count: 130, sections: ShardHarness.streamingSections)
        let single = try harness.single()
        for count in [1, 2, 3, 7] {
            try ShardHarness.assertSameReport(single, try harness.sharded(count), "\(count) shards")
        }
    }

    /// MNIST (from ../shared, skipped without it) with the MNIST CNN: N = 1, 2, 3 and 7 against one run.
    func testMNISTShardsMatchSingleRun() throws {
        guard let shared = sharedDirectory else { throw XCTSkip("../shared is not present") }
        let images = shared.appendingPathComponent("data/mnist/t10k-images-idx3-ubyte.gz").path
        let labels = shared.appendingPathComponent("data/mnist/t10k-labels-idx1-ubyte.gz").path
        let model = fixturesDirectory.appendingPathComponent("models/mnist_cnn.onnx").path
        guard FileManager.default.fileExists(atPath: images), FileManager.default.fileExists(atPath: model) else {
            throw XCTSkip("MNIST or Tests/Fixtures/models/mnist_cnn.onnx is missing")
        }
        let scratch = try PipelineScratch("shards-mnist")
        let config = try scratch.write("""
            {"jobs": [{"name": "demo", "model": {"path": "\(model)"},
              "dataset": {"kind": "mnist-idx", "path": "\(images)", "labels": "\(labels)", "limit": 200},
              "sections": \(ShardHarness.streamingSections), "seed": 3, "batch_size": 32, "output": "reports"}]}
            """, to: "mnist.json")
        let harness = ShardHarness(scratch: scratch, config: config)
        let single = try harness.single()
        for count in [1, 2, 3, 7] {
            let merged = try harness.sharded(count, order: Array((0..<count).reversed()))
            try ShardHarness.assertSameReport(single, merged, "MNIST, \(count) shards")
        }
    }
}
