@testable import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// `Classifier.gradients` splits a batch over the workers: the joined result must be the whole
/// batch's, and a result whose values do not follow the rows must not be joined.
final class AttributionBatchSplitTests: XCTestCase {
    var random = TestRandom(seed: 17)

    func testSplitBatchEqualsOneWholePass() throws {
        for fixture in ["cnn_opset17", "mobilenetv3_small"] {
            let recipe = try XCTUnwrap(try Fixtures.cases("models").first { $0.name == fixture })
            let classifier = try Classifier(model: try Model(path: try Fixtures.modelPath("models", recipe)))
            let shape = try XCTUnwrap(classifier.model.sampleShape)
            let images = random.tensor([7] + shape)
            let targets = [0, 1, 2, 3, 4, 5, 6]
            let split = try classifier.gradients(images, targets: targets, taps: [classifier.scoreName])
            let whole = try classifier.wholeBatchGradients(images, targets: targets, wrt: nil, taps: [classifier.scoreName],
                                                           reluRule: .standard)
            let (a, b) = (try XCTUnwrap(split.gradients[classifier.inputName]), try XCTUnwrap(whole.gradients[classifier.inputName]))
            XCTAssertEqual(a.shape, images.shape)
            let scale = b.scalars.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0)
            for i in 0..<b.count { XCTAssertEqual(a.scalars[i], b.scalars[i], accuracy: 1e-5 * scale, "\(fixture) element \(i)") }
            XCTAssertEqual(split.target.shape, whole.target.shape)
            for i in 0..<whole.target.count {
                XCTAssertEqual(split.target.scalars[i], whole.target.scalars[i], accuracy: 1e-4, "\(fixture) score \(i)")
            }
            XCTAssertEqual(split.forward.taps[classifier.scoreName]?.shape, whole.forward.taps[classifier.scoreName]?.shape)
            XCTAssertEqual(Set(split.forward.outputs.keys), Set(whole.forward.outputs.keys))
        }
    }

    /// A parameter gradient is a sum over the batch: it must come from one whole pass, even when each
    /// part would have as many rows as the parameter's first axis (the case a blind join gets wrong).
    func testParameterGradientsAreNotSplit() throws {
        let recipe = try XCTUnwrap(try Fixtures.cases("models").first { $0.name == "cnn_opset17" })
        let classifier = try Classifier(model: try Model(path: try Fixtures.modelPath("models", recipe)))
        let (name, weight) = try XCTUnwrap(classifier.model.graph.initializers.first { $0.value.shape.count == 4 })
        let rows = 2 * weight.shape[0]
        let images = random.tensor([rows] + (try XCTUnwrap(classifier.model.sampleShape)))
        let targets = (0..<rows).map { $0 % 3 }
        let split = try classifier.gradients(images, targets: targets, wrt: [name])
        let whole = try classifier.wholeBatchGradients(images, targets: targets, wrt: [name], taps: [], reluRule: .standard)
        let (a, b) = (try XCTUnwrap(split.gradients[name]), try XCTUnwrap(whole.gradients[name]))
        XCTAssertEqual(a.shape, weight.shape)
        XCTAssertEqual(a.scalars, b.scalars)
    }

    func testJoiningNeedsBatchMajorValues() {
        let rows = [Tensor(shape: [2, 3], repeating: 1), Tensor(shape: [3, 3], repeating: 2)]
        func part(_ index: Int, gradient: Tensor) -> GradientResult {
            GradientResult(forward: ForwardResult(outputs: ["y": .float(rows[index])], taps: [:]), target: rows[index],
                           gradients: ["x": gradient])
        }
        let joined = GradientResult(joining: [part(0, gradient: Tensor(shape: [2, 4], repeating: 5)),
                                              part(1, gradient: Tensor(shape: [3, 4], repeating: 6))])
        XCTAssertEqual(joined?.target.shape, [5, 3])
        XCTAssertEqual(joined?.gradients["x"]?.scalars, [Float](repeating: 5, count: 8) + [Float](repeating: 6, count: 12))
        XCTAssertEqual(joined?.forward.outputs["y"]?.shape, [5, 3])
        // A gradient of a shared value (not one row per image) cannot be joined.
        XCTAssertNil(GradientResult(joining: [part(0, gradient: Tensor(shape: [4], repeating: 5)),
                                              part(1, gradient: Tensor(shape: [4], repeating: 6))]))
        XCTAssertNil(GradientResult(joining: []))
    }
}
