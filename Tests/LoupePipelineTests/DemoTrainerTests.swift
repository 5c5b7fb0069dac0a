import Foundation
import LoupeData
import LoupeEngine
import LoupeONNX
import LoupeTensor
import XCTest
@testable import LoupePipeline

/// The demo network, its trainer, and the committed `Demo/shapes-cnn.onnx`.
final class DemoTrainerTests: XCTestCase {
    /// The repository's `Demo` folder.
    static let demoFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Demo")

    /// Mean cross-entropy of `graph` on `dataset`.
    func loss(_ graph: Graph, on dataset: SyntheticShapesDataset) throws -> Float {
        let model = try Model(graph: graph)
        let (images, labels) = try dataset.batch(Array(0..<dataset.count))
        return softmaxCrossEntropy(logits: try model.run(images).firstOutput(of: model), labels: labels).loss
    }

    func testGraphBuildsRunsAndRoundTrips() throws {
        let graph = DemoNetwork.makeGraph(seed: 7)
        XCTAssertEqual(graph.opsetVersion, 17)
        XCTAssertEqual(graph.inputs.first?.dimensions?.first, .symbolic("N"))
        XCTAssertEqual(graph.nodes.map(\.name), ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3",
                                                 "gap", "flatten", "fc"])
        // 3*16*25+16 + 16*32*9+32 + 32*32*9+32 + 32*10+10
        XCTAssertEqual(graph.parameterCount, 1216 + 4640 + 9248 + 330)
        let model = try Model(graph: graph)
        let images = try SyntheticShapesDataset(count: 3, seed: 5).batch([0, 1, 2]).images
        let result = try model.run(images, taps: [DemoNetwork.featuresName])
        XCTAssertEqual(try result.firstOutput(of: model).shape, [3, 10])
        XCTAssertEqual(result.taps[DemoNetwork.featuresName]?.shape, [3, 32, 8, 8])
        XCTAssertTrue(try result.firstOutput(of: model).scalars.allSatisfy(\.isFinite))
        // Same seed, same weights; another seed, other weights.
        XCTAssertEqual(DemoNetwork.makeGraph(seed: 7).initializers, graph.initializers)
        XCTAssertNotEqual(DemoNetwork.makeGraph(seed: 8).initializers, graph.initializers)
        // Loupe's writer and loader give back a model computing the same logits.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelWriter.write(graph, to: path, producer: "test")
        let reloaded = try Model(path: path)
        XCTAssertEqual(try reloaded.run(images).firstOutput(of: reloaded), try result.firstOutput(of: model))
    }

    func testShortTrainingLowersTheLoss() throws {
        let trainer = DemoTrainer(seed: 3, trainCount: 256, testCount: 50, epochs: 2, batchSize: 32)
        let result = try trainer.train()
        XCTAssertEqual(result.epochLosses.count, 2)
        let data = try SyntheticShapesDataset(count: 256, seed: 3)
        let before = try loss(DemoNetwork.makeGraph(seed: 3), on: data)
        let after = try loss(result.graph, on: data)
        XCTAssertLessThan(after, before * 0.97, "16 Adam steps should lower the training loss (before \(before), after \(after))")
        XCTAssertLessThan(result.epochLosses[1], result.epochLosses[0])
    }

    func testSameSeedGivesIdenticalParameters() throws {
        let trainer = DemoTrainer(seed: 11, trainCount: 64, testCount: 20, epochs: 1, batchSize: 32, optimizer: .sgd)
        let first = try trainer.train().graph.initializers
        let second = try trainer.train().graph.initializers
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, DemoNetwork.makeGraph(seed: 11).initializers, "training changed nothing")
        var other = trainer
        other.seed = 12
        XCTAssertNotEqual(try other.train().graph.initializers, first)
    }

    func testTrainerRefusesBadOptions() {
        XCTAssertThrowsError(try DemoTrainer(epochs: 0).validate())
        XCTAssertThrowsError(try DemoTrainer(trainCount: 0).validate())
        XCTAssertThrowsError(try DemoTrainer(learningRate: -1).validate())
    }

    func testCommittedDemoModelIsSmallAndAccurate() throws {
        let path = Self.demoFolder.appendingPathComponent("shapes-cnn.onnx").path
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertLessThan(size, 1_000_000)
        let model = try Model(path: path)
        XCTAssertEqual(model.graph.outputs.map(\.name), [DemoNetwork.logitsName])
        // Held out: neither the training seed (1) nor the trainer's evaluation seed (2).
        let heldOut = try SyntheticShapesDataset(count: 500, seed: 20_261_128)
        let accuracy = try DemoTrainer.accuracy(model: model, dataset: heldOut)
        XCTAssertGreaterThanOrEqual(accuracy, 0.9)
        let classes = try String(contentsOf: Self.demoFolder.appendingPathComponent("classes.txt"), encoding: .utf8)
        XCTAssertEqual(classes.split(separator: "\n").map(String.init), SyntheticShapesDataset.shapeNames)
    }
}
