@testable import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Integrated Gradients through `Model.inputSplit`: interpolating the first convolution's output and
/// taking its input gradient once must give the attributions of the direct path integral.
final class IntegratedGradientsSplitTests: XCTestCase {
    var random = TestRandom(seed: 11)

    /// The direct quadrature over the whole model, times (x − baseline): IG without the split.
    func directIG(_ classifier: Classifier, _ x: Tensor, target: Int, steps: Int, baseline: Tensor) throws -> [Float] {
        let (alphas, weights) = try IntegrationRule.gaussLegendre.nodesAndWeights(steps)
        let path = IntegratedGradients.PathIntegral(alphas: alphas, weights: weights, target: target, batchSize: 7)
        let integral = try path.integrate(classifier, from: baseline, to: x)
        return (0..<x.count).map { (x.scalars[$0] - baseline.scalars[$0]) * integral.scalars[$0] }
    }

    func testSplitMatchesDirectPathIntegralOnFixtures() throws {
        for (fixture, value) in [("cnn_opset17", 1e-5), ("mobilenetv3_small", 1e-4)] {
            let recipe = try XCTUnwrap(try Fixtures.cases("models").first { $0.name == fixture })
            let model = try Model(path: try Fixtures.modelPath("models", recipe))
            let split = try XCTUnwrap(model.inputSplit(), "\(fixture): its input feeds one Conv")
            XCTAssertTrue(model.graph.nodes.contains { $0.opType == "Conv" && $0.outputs == [split.value] })
            XCTAssertEqual(split.rest.graph.nodes.count, model.graph.nodes.count - 1)
            XCTAssertEqual(split.first.graph.nodes.last?.outputs, [split.value])
            XCTAssertEqual(split.first.graph.nodes.filter { $0.opType == "Conv" }.count, 1, "the first layer alone")
            XCTAssertTrue(model.inputSplit()?.rest === split.rest, "made once per model")
            let classifier = try Classifier(model: model)
            let shape = try XCTUnwrap(model.sampleShape)
            let x = random.tensor([1] + shape)
            for baseline in [IntegratedGradientsBaseline.zero, .uniform(seed: 3)] {
                let result = try IntegratedGradients.attribute(classifier, images: x, targets: [2], steps: 12,
                                                               baseline: baseline, internalBatchSize: 5)
                let base = try IntegratedGradients.baselineImage(baseline, for: x, index: 0)
                let direct = try directIG(classifier, x, target: 2, steps: 12, baseline: base)
                let scale = direct.map(abs).max() ?? 1
                XCTAssertGreaterThan(scale, 0)
                for i in 0..<direct.count {
                    XCTAssertEqual(result.attributions.scalars[i], direct[i], accuracy: Float(value) * scale,
                                   "\(fixture) \(baseline) element \(i)")
                }
            }
        }
    }

    /// No split when the input feeds anything but exactly one Conv.
    func testNoSplitWhenInputIsNotOnlyAConvolution() throws {
        var b = GraphBuilder()
        b.parameter("W", random.tensor([2, 1, 3, 3]))
        let conv = b.add("Conv", ["x", "W"], ["pads": .ints([1, 1, 1, 1])])
        let sum = b.add("Add", [conv, "x"])
        let flat = b.add("Flatten", [sum], ["axis": .int(1)])
        b.parameter("F", random.tensor([3, 32]))
        let logits = b.add("Gemm", [flat, "F"], ["transB": .int(1)], output: "logits")
        XCTAssertNil(try b.model(sampleShape: [1, 4, 4], output: logits).inputSplit(), "input read twice")

        var c = GraphBuilder()
        let flatInput = c.add("Flatten", ["x"], ["axis": .int(1)])
        c.parameter("F", random.tensor([3, 16]))
        let scores = c.add("Gemm", [flatInput, "F"], ["transB": .int(1)], output: "logits")
        XCTAssertNil(try c.model(sampleShape: [1, 4, 4], output: scores).inputSplit(), "first node is not a Conv")
    }
}
