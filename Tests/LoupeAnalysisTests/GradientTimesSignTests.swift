import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Gradient × sign, run through the registry: sign(x) · ∂f/∂x, and |x| times it is Input × Gradient.
final class GradientTimesSignTests: XCTestCase {
    var random = TestRandom(seed: 11)

    /// f(x) = W·relu(flatten(x)) + b on 1 x 4 x 4 inputs, 3 classes (the ReLU makes the gradient depend on x).
    func reluModel() throws -> (Classifier, Tensor) {
        var b = GraphBuilder()
        let weights = random.tensor([3, 16])
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        let relu = b.add("Relu", [flat])
        b.parameter("W", weights)
        b.parameter("b", random.tensor([3]))
        let logits = b.add("Gemm", [relu, "W", "b"], ["transB": .int(1)], output: "logits")
        return (try Classifier(model: try b.model(sampleShape: [1, 4, 4], output: logits)), weights)
    }

    func testIsTheGradientTimesTheInputsSign() throws {
        let (classifier, weights) = try reluModel()
        var x = random.tensor([2, 1, 4, 4])
        x.scalars[3] = 0
        x.scalars[20] = 0
        let targets = [1, 2]
        let entry = try XCTUnwrap(AttributionMethods.named("gradient-x-sign"))
        XCTAssertFalse(entry.isCAM)
        XCTAssertFalse(entry.reportUse.contains(.galleryDefault) || entry.reportUse.contains(.sanityDefault))
        let result = try entry.attribute(classifier, images: x, targets: targets, settings: entry.defaults).attributions
        XCTAssertEqual(result.shape, x.shape)
        // Closed form: ∂f_t/∂x_i = W[t, i] where x_i > 0, else 0 (ReLU); times sign(x_i).
        var nonZero = 0
        for image in 0..<2 {
            for i in 0..<16 {
                let value = x.scalars[image * 16 + i]
                let gradient: Float = value > 0 ? weights.scalars[targets[image] * 16 + i] : 0
                let expected = value > 0 ? gradient : value < 0 ? -gradient : 0
                XCTAssertEqual(result.scalars[image * 16 + i], expected, accuracy: 1e-6, "image \(image), element \(i)")
                if expected != 0 { nonZero += 1 }
            }
        }
        XCTAssertGreaterThan(nonZero, 4)
        // |x| · (gradient × sign) = Input × Gradient, and its magnitude is the saliency's.
        let ixg = try GradientAttribution.inputTimesGradient(classifier, images: x, targets: targets)
        let saliency = try GradientAttribution.saliency(classifier, images: x, targets: targets)
        for i in 0..<x.count {
            XCTAssertEqual(abs(x.scalars[i]) * result.scalars[i], ixg.scalars[i], accuracy: 1e-6)
            if x.scalars[i] != 0 { XCTAssertEqual(abs(result.scalars[i]), abs(saliency.scalars[i]), accuracy: 1e-6) }
        }
    }

    func testReusesAGivenInputGradient() throws {
        let (classifier, _) = try reluModel()
        let x = random.tensor([1, 1, 4, 4])
        let entry = try XCTUnwrap(AttributionMethods.named("gradient-x-sign"))
        var settings = entry.defaults
        settings.inputGradient = Tensor(shape: x.shape, repeating: 2)
        let result = try entry.attribute(classifier, images: x, targets: [0], settings: settings).attributions
        for i in 0..<x.count { XCTAssertEqual(result.scalars[i], x.scalars[i] > 0 ? 2 : x.scalars[i] < 0 ? -2 : 0) }
    }
}
