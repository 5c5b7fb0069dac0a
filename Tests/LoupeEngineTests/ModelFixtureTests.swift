import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Every reference model's outputs match onnxruntime within 1e-4·max(1, max|ref|).
final class ModelFixtureTests: XCTestCase {
    func runCase(_ name: String, manifest: String = "manifest.json", file: StaticString = #filePath, line: UInt = #line) throws {
        guard let fixture = try Fixtures.cases("models", manifest: manifest).first(where: { $0.name == name }) else {
            return XCTFail("no fixture named \(name)", file: file, line: line)
        }
        let model = try Model(path: try Fixtures.modelPath("models", fixture))
        var inputs = [String: Tensor]()
        for (inputName, npy) in fixture.inputs ?? [:] { inputs[inputName] = try Fixtures.array("models", npy) }
        let result = try model.run(inputs)
        for (outputName, npy) in fixture.outputs ?? [:] {
            guard let actual = result.outputs[outputName] else { return XCTFail("missing output \(outputName)", file: file, line: line) }
            assertClose(actual.asFloat, try Fixtures.array("models", npy), relativeTo: 1e-4, name, file: file, line: line)
        }
        if let parameters = fixture.parameters {
            XCTAssertEqual(model.graph.parameterCount + intInitializerCount(model.graph), parameters, "\(name) initializer sizes",
                           file: file, line: line)
        }
    }

    func intInitializerCount(_ graph: Graph) -> Int {
        graph.initializers.values.reduce(0) { total, value in
            if case .int(let t) = value { return total + t.count }
            return total
        }
    }

    func testCNNOpset13WithBatchNormNodes() throws { try runCase("cnn_opset13") }
    func testCNNBatchOfOne() throws { try runCase("cnn_opset13_b1") }
    func testCNNOpset17Folded() throws { try runCase("cnn_opset17") }
    func testCNNDynamoExporter() throws { try runCase("cnn_dynamo") }
    func testMLP() throws { try runCase("mlp_8x8") }
    func testExternalData() throws { try runCase("external_data") }
    func testResNet18() throws { try runCase("resnet18") }
    func testMobileNetV3Small() throws { try runCase("mobilenetv3_small") }
    func testTrainedMNISTCNN() throws { try runCase("mnist_cnn", manifest: "trained_manifest.json") }
    func testTrainedMNISTPerceptron() throws { try runCase("mnist_mlp", manifest: "trained_manifest.json") }
    func testTrainedCIFARCNN() throws { try runCase("cifar_cnn", manifest: "trained_manifest.json") }

    /// ResNet-18 (10 classes, folded BatchNorm) has 11,173,002 float parameters, and the summary says so.
    func testResNet18ParameterCountAndMultiplyAdds() throws {
        guard let fixture = try Fixtures.cases("models").first(where: { $0.name == "resnet18" }) else { return XCTFail("no resnet18") }
        let model = try Model(path: try Fixtures.modelPath("models", fixture))
        let summary = try ModelSummary(model: model, batchSize: 1)
        XCTAssertEqual(summary.totalParameters, 11_173_002)
        XCTAssertEqual(summary.layers.reduce(0) { $0 + $1.parameters }, 11_173_002)
        // conv1: 64 x 3 x 7 x 7 kernel over a 32 x 32 output map.
        let conv1 = try XCTUnwrap(summary.layers.first { $0.op == "Conv" })
        XCTAssertEqual(conv1.multiplyAdds, 64 * 32 * 32 * 3 * 7 * 7)
        XCTAssertEqual(summary.totalMultiplyAdds, summary.layers.reduce(0) { $0 + $1.multiplyAdds })
        XCTAssertGreaterThan(summary.totalMultiplyAdds, 140_000_000)
    }

    /// Batches of different sizes give the same rows as one batch.
    func testBatchSizeDoesNotChangeResults() throws {
        guard let fixture = try Fixtures.cases("models").first(where: { $0.name == "cnn_opset17" }) else { return XCTFail("no cnn") }
        let model = try Model(path: try Fixtures.modelPath("models", fixture))
        let x = try Fixtures.array("models", fixture.inputs?["input"] ?? "")
        let whole = try model.run(x).firstOutput(of: model)
        let parts = try (0..<x.shape[0]).map { try model.run(x.slice(batch: $0..<($0 + 1))).firstOutput(of: model) }
        assertClose(Tensor.stacking(batches: parts), whole, relativeTo: 1e-5)
    }

    /// Taps capture intermediate values with their planned shapes.
    func testTapsCaptureIntermediateValues() throws {
        guard let fixture = try Fixtures.cases("models").first(where: { $0.name == "cnn_opset17" }) else { return XCTFail("no cnn") }
        let model = try Model(path: try Fixtures.modelPath("models", fixture))
        let x = try Fixtures.array("models", fixture.inputs?["input"] ?? "")
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        let convOutput = try XCTUnwrap(model.graph.nodes.first { $0.opType == "Conv" }?.outputs.first)
        let result = try model.run(x, taps: [convOutput])
        XCTAssertEqual(result.taps[convOutput]?.shape, plan.shape(of: convOutput))
        XCTAssertThrowsError(try model.run(x, taps: ["no_such_value"])) { error in
            XCTAssertTrue(String(describing: error).contains("no_such_value"))
        }
    }
}
