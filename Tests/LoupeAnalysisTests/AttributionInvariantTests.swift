import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Closed-form invariants of the gradient and perturbation methods (docs/attribution.md, saliency to occlusion).
final class AttributionInvariantTests: XCTestCase {
    var random = TestRandom(seed: 7)

    /// f(x) = W·flatten(x) + b on 1 x 4 x 4 inputs, 3 classes.
    func linearModel() throws -> (Classifier, Tensor) {
        var b = GraphBuilder()
        let weights = random.tensor([3, 16])
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        b.parameter("W", weights)
        b.parameter("b", random.tensor([3]))
        let logits = b.add("Gemm", [flat, "W", "b"], ["transB": .int(1)], output: "logits")
        return (try Classifier(model: try b.model(sampleShape: [1, 4, 4], output: logits)), weights)
    }

    func row(_ w: Tensor, _ c: Int) -> [Float] { Array(w.scalars[(c * 16)..<((c + 1) * 16)]) }

    func testSaliencyOfLinearModelIsItsWeightRow() throws {
        let (classifier, w) = try linearModel()
        let x = random.tensor([2, 1, 4, 4])
        let s = try GradientAttribution.saliency(classifier, images: x, targets: [1, 2])
        XCTAssertEqual(Array(s.scalars[0..<16]), row(w, 1))
        XCTAssertEqual(Array(s.scalars[16..<32]), row(w, 2))
    }

    func testInputTimesGradientAndOcclusionAgreeOnLinearModel() throws {
        let (classifier, w) = try linearModel()
        let x = random.tensor([1, 1, 4, 4])
        let ixg = try GradientAttribution.inputTimesGradient(classifier, images: x, targets: [0])
        let occlusion = try Occlusion.attribute(classifier, images: x, targets: [0], window: [1, 1, 1], stride: [1, 1, 1])
        for i in 0..<16 {
            XCTAssertEqual(ixg.scalars[i], x.scalars[i] * w.scalars[i], accuracy: 1e-6)
            XCTAssertEqual(occlusion.scalars[i], ixg.scalars[i], accuracy: 1e-5)
        }
    }

    func testIntegratedGradientsOnLinearModel() throws {
        let (classifier, w) = try linearModel()
        let x = random.tensor([1, 1, 4, 4])
        for steps in [1, 7, 50] {
            let ig = try IntegratedGradients.attribute(classifier, images: x, targets: [2], steps: steps)
            for i in 0..<16 { XCTAssertEqual(ig.attributions.scalars[i], x.scalars[i] * w.scalars[32 + i], accuracy: 1e-5) }
            XCTAssertLessThan(abs(ig.delta[0]), 1e-4)
        }
        // Captum's trapezoid quirk: weights sum to 1 − 1/n.
        let trapezoid = try IntegratedGradients.attribute(classifier, images: x, targets: [2], steps: 10, rule: .riemannTrapezoid)
        for i in 0..<16 { XCTAssertEqual(trapezoid.attributions.scalars[i], 0.9 * x.scalars[i] * w.scalars[32 + i], accuracy: 1e-5) }
    }

    func testGaussLegendreNodesAndWeights() throws {
        let (alphas, weights) = try IntegrationRule.gaussLegendre.nodesAndWeights(3)
        // Nodes on [−1, 1]: 0, ±sqrt(3/5); weights 8/9, 5/9, halved on [0, 1].
        XCTAssertEqual(alphas[0], (1 - (3.0 / 5).squareRoot()) / 2, accuracy: 1e-14)
        XCTAssertEqual(alphas[1], 0.5, accuracy: 1e-14)
        XCTAssertEqual(weights[1], 4.0 / 9, accuracy: 1e-14)
        XCTAssertEqual(weights[0], 5.0 / 18, accuracy: 1e-14)
        let (_, w50) = try IntegrationRule.gaussLegendre.nodesAndWeights(50)
        XCTAssertEqual(w50.reduce(0, +), 1, accuracy: 1e-13)
        XCTAssertThrowsError(try IntegrationRule.riemannRight.nodesAndWeights(1))
    }

    func testIntegratedGradientsExactForQuadratic() throws {
        // f_c = Σ_i A_ci x_i²: Gauss–Legendre with n ≥ 1 is exact.
        var b = GraphBuilder()
        let a = random.tensor([2, 16], in: 0.1...1)
        let square = b.add("Mul", ["x", "x"])
        let flat = b.add("Flatten", [square], ["axis": .int(1)])
        b.parameter("A", a)
        let logits = b.add("Gemm", [flat, "A"], ["transB": .int(1)], output: "logits")
        let classifier = try Classifier(model: try b.model(sampleShape: [1, 4, 4], output: logits))
        let x = random.tensor([1, 1, 4, 4])
        let ig = try IntegratedGradients.attribute(classifier, images: x, targets: [1], steps: 2)
        for i in 0..<16 { XCTAssertEqual(ig.attributions.scalars[i], a.scalars[16 + i] * x.scalars[i] * x.scalars[i], accuracy: 1e-5) }
    }

    func testNoiseTunnelOnLinearModel() throws {
        let (classifier, w) = try linearModel()
        let x = random.tensor([1, 1, 4, 4])
        let smooth = try NoiseTunnel.attribute(classifier, images: x, targets: [0], kind: .smoothGrad, samples: 5, seed: 3)
        let squared = try NoiseTunnel.attribute(classifier, images: x, targets: [0], kind: .smoothGradSquared, samples: 5, seed: 3)
        let variance = try NoiseTunnel.attribute(classifier, images: x, targets: [0], kind: .varGrad, samples: 5, seed: 3)
        for i in 0..<16 {
            XCTAssertEqual(smooth.scalars[i], w.scalars[i], accuracy: 1e-6)
            XCTAssertEqual(squared.scalars[i], w.scalars[i] * w.scalars[i], accuracy: 1e-6)
            XCTAssertEqual(variance.scalars[i], 0, accuracy: 1e-6)
        }
    }

    /// w2ᵀ relu(W1 x): Guided Backprop = W1ᵀ(1[W1x > 0] ⊙ max(w2, 0)); Deconvnet ignores the forward mask.
    func testGuidedBackpropAndDeconvnetOnTwoLayerNet() throws {
        var b = GraphBuilder()
        let w1 = random.tensor([6, 4]), w2 = random.tensor([1, 6])
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        b.parameter("W1", w1)
        b.parameter("W2", w2)
        let hidden = b.add("Gemm", [flat, "W1"], ["transB": .int(1)])
        let relu = b.add("Relu", [hidden])
        let logits = b.add("Gemm", [relu, "W2"], ["transB": .int(1)], output: "logits")
        let classifier = try Classifier(model: try b.model(sampleShape: [4], output: logits))
        let x = random.tensor([1, 4])
        let guided = try GradientAttribution.guidedBackprop(classifier, images: x, targets: [0])
        let deconv = try GradientAttribution.deconvnet(classifier, images: x, targets: [0])
        var pre = [Float](repeating: 0, count: 6)
        for j in 0..<6 { for i in 0..<4 { pre[j] += w1.scalars[j * 4 + i] * x.scalars[i] } }
        for i in 0..<4 {
            var g: Float = 0, d: Float = 0
            for j in 0..<6 {
                let signal = max(w2.scalars[j], 0)
                if pre[j] > 0 { g += w1.scalars[j * 4 + i] * signal }
                d += w1.scalars[j * 4 + i] * signal
            }
            XCTAssertEqual(guided.scalars[i], g, accuracy: 1e-5)
            XCTAssertEqual(deconv.scalars[i], d, accuracy: 1e-5)
        }
    }

    func testOcclusionRefusesStridesThatSkipElements() throws {
        let (classifier, _) = try linearModel()
        XCTAssertThrowsError(try Occlusion.attribute(classifier, images: random.tensor([1, 1, 4, 4]), targets: [0],
                                                     window: [1, 2, 2], stride: [1, 3, 3]))
    }

    func testOcclusionCoverageOnOddShapesMatchesClosedForm() throws {
        // Linear f, general window: a_i = mean over windows P ∋ i of Σ_{j∈P} w_j x_j.
        var b = GraphBuilder()
        let w = random.tensor([1, 29 * 31])
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        b.parameter("W", w)
        let logits = b.add("Gemm", [flat, "W"], ["transB": .int(1)], output: "logits")
        let classifier = try Classifier(model: try b.model(sampleShape: [1, 29, 31], output: logits))
        let x = random.tensor([1, 1, 29, 31])
        let a = try Occlusion.attribute(classifier, images: x, targets: [0], window: [1, 5, 7], stride: [1, 3, 4])
        let rows = Array(stride(from: 0, through: 24, by: 3))
        let cols = stride(from: 0, to: 31 - 7 + 4, by: 4).map { $0 }
        var sum = [Float](repeating: 0, count: 29 * 31), count = [Float](repeating: 0, count: 29 * 31)
        for r in rows { for c in cols {
            var drop: Float = 0
            for i in r..<min(r + 5, 29) { for j in c..<min(c + 7, 31) { drop += w.scalars[i * 31 + j] * x.scalars[i * 31 + j] } }
            for i in r..<min(r + 5, 29) { for j in c..<min(c + 7, 31) { sum[i * 31 + j] += drop; count[i * 31 + j] += 1 } }
        } }
        for i in 0..<(29 * 31) { XCTAssertEqual(a.scalars[i], sum[i] / count[i], accuracy: 1e-4) }
    }
}
