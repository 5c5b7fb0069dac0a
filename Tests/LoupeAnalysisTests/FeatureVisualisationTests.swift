import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Class models, regularised activation maximisation and their regularisers (docs/feature-visualisation.md#class-model-visualisation, docs/feature-visualisation.md#regularised-activation-maximisation).
final class FeatureVisualisationTests: XCTestCase {
    var random = TestRandom(seed: 5)

    /// x [1, 4, 4] → Flatten → Gemm(W: classes x 16, bias) → logits: f_c(x) = w_cᵀx + b_c.
    func linearModel(classes: Int = 3) throws -> (Model, Tensor) {
        var b = GraphBuilder()
        let w = random.tensor([classes, 16])
        b.parameter("W", w)
        b.parameter("bias", random.tensor([classes]))
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        let logits = b.add("Gemm", [flat, "W", "bias"], ["transB": .int(1)], output: "logits")
        return (try b.model(sampleShape: [1, 4, 4], output: logits), w)
    }

    /// x [2, 8, 8] → Conv(2→4, 3x3, pad 1) → Relu → Conv(4→4, 3x3) → Relu → GAP → Flatten → Gemm(4 → 3).
    func smallCNN() throws -> Model {
        var b = GraphBuilder()
        b.parameter("K1", random.tensor([4, 2, 3, 3]))
        b.parameter("b1", random.tensor([4], in: 0.05...0.2))
        b.parameter("K2", random.tensor([4, 4, 3, 3]))
        b.parameter("b2", random.tensor([4], in: 0.05...0.2))
        b.parameter("W", random.tensor([3, 4]))
        let c1 = b.add("Conv", ["x", "K1", "b1"], ["pads": .ints([1, 1, 1, 1])])
        let r1 = b.add("Relu", [c1], output: "r1")
        let c2 = b.add("Conv", [r1, "K2", "b2"], ["pads": .ints([1, 1, 1, 1])])
        let r2 = b.add("Relu", [c2], output: "r2")
        let pooled = b.add("GlobalAveragePool", [r2])
        let flat = b.add("Flatten", [pooled], ["axis": .int(1)])
        let logits = b.add("Gemm", [flat, "W"], ["transB": .int(1)], output: "logits")
        return try b.model(sampleShape: [2, 8, 8], output: logits)
    }

    /// Checked: with f_c = w_cᵀ(I + mean) + b_c, ascent on f_c − λ‖I‖² reaches I* = w_c/(2λ) for every class
    /// (relative error < 1e-4), and the returned model input is I* + mean.
    func testClassModelOfLinearModelConvergesToClosedForm() throws {
        let (model, w) = try linearModel()
        let lambda: Float = 0.5
        let space = VisualisationSpace(shape: [1, 4, 4], mean: [0.3])
        let output = try ClassModelVisualisation.run(model: model, inputName: "x", objective: .classes([0, 1, 2], scoreValue: "logits"),
                                                     space: space, settings: .init(iterations: 300, l2: lambda, stepSize: 0.2))
        XCTAssertEqual(output.l2, lambda)
        for c in 0..<3 {
            var error: Float = 0, norm: Float = 0
            for i in 0..<16 {
                let expected = w.scalars[c * 16 + i] / (2 * lambda)
                let got = output.result.images.scalars[c * 16 + i] - 0.3
                error += (got - expected) * (got - expected)
                norm += expected * expected
            }
            XCTAssertLessThan((error / norm).squareRoot(), 1e-4, "class \(c)")
        }
        // The objective climbs from f_c(mean) to its maximum f_c(mean) + ‖w_c‖²/(4λ).
        XCTAssertGreaterThan(output.result.history.last ?? 0, output.result.history.first ?? 0)
    }

    func testCalibratedClassModelIncreasesTheObjectiveOnACNN() throws {
        let model = try smallCNN()
        var settings = ClassModelVisualisation.Settings(iterations: 60)
        settings.targetRMS = 0.5
        let output = try ClassModelVisualisation.run(model: model, inputName: "x", objective: .classes([0, 1, 2], scoreValue: "logits"),
                                                     space: VisualisationSpace(shape: [2, 8, 8]), settings: settings)
        XCTAssertGreaterThan(output.l2, 0)
        XCTAssertGreaterThan(output.result.history.last ?? 0, (output.result.history.first ?? 0) + 0.1)
    }

    /// Linear unit, decay only, raw gradient: the fixed point of x ← (1 − θ)(x + ηw) is x* = (1 − θ)ηw/θ.
    func testActivationMaximisationDecayFixedPoint() throws {
        let (model, w) = try linearModel(classes: 2)
        var s = ActivationMaximisation.Settings()
        s.iterations = 400
        s.stepSize = 0.05
        s.decay = 0.1
        s.normaliseGradient = false
        s.blurWidth = 0
        s.jitter = 0
        s.startNoise = 0
        let result = try ActivationMaximisation.run(model: model, inputName: "x", objective: .classes([1], scoreValue: "logits"),
                                                    space: VisualisationSpace(shape: [1, 4, 4]), settings: s)
        for i in 0..<16 {
            XCTAssertEqual(result.images.scalars[i], 0.9 * 0.05 * w.scalars[16 + i] / 0.1, accuracy: 1e-5)
        }
        XCTAssertGreaterThan(result.finalValues[0], result.initialValues[0])
    }

    func testActivationMaximisationRaisesUnitsOfACNN() throws {
        let model = try smallCNN()
        var s = ActivationMaximisation.Settings()
        s.iterations = 40
        s.normPercentile = 20
        s.contributionPercentile = 10
        let space = VisualisationSpace(shape: [2, 8, 8], bounds: [0...1, 0...1])
        let result = try ActivationMaximisation.run(model: model, inputName: "x",
                                                    objective: .channelCentres([0, 1, 2], value: "r2", shape: [4, 8, 8]),
                                                    space: space, settings: s)
        XCTAssertEqual(result.images.shape, [3, 2, 8, 8])
        for row in 0..<3 where result.initialValues[row] > 0 {
            XCTAssertGreaterThan(result.finalValues[row], result.initialValues[row] * 1.5, "unit \(row)")
        }
        XCTAssertTrue(result.images.scalars.allSatisfy { $0 >= -1e-6 && $0 <= 1 + 1e-6 }, "images stay inside the bounds")
    }

    func testSeededRunsAreIdenticalAndSeedsMatter() throws {
        let model = try smallCNN()
        var s = ActivationMaximisation.Settings()
        s.iterations = 12
        s.jitter = 2
        s.seed = 42
        let space = VisualisationSpace(shape: [2, 8, 8], bounds: [0...1, 0...1])
        let objective = VisualisationObjective.classes([0, 2], scoreValue: "logits")
        let a = try ActivationMaximisation.run(model: model, inputName: "x", objective: objective, space: space, settings: s)
        let b = try ActivationMaximisation.run(model: model, inputName: "x", objective: objective, space: space, settings: s)
        XCTAssertEqual(a.images.scalars, b.images.scalars)
        XCTAssertEqual(a.history, b.history)
        s.seed = 43
        let c = try ActivationMaximisation.run(model: model, inputName: "x", objective: objective, space: space, settings: s)
        XCTAssertNotEqual(a.images.scalars, c.images.scalars)
    }

    /// SciPy `gaussian_filter(a, 0.8, mode="reflect", truncate=4.0)` on a 5 x 6 grid.
    func testBlurMatchesSciPyReflectAndKeepsTheSum() {
        let values: [Float] = (0..<30).map { (i: Int) -> Float in Float((i * 7) % 11) / 10 }
        let expected: [Float] = [0.3419366, 0.4616698, 0.5109421, 0.6711312, 0.5322804, 0.2770016, 0.5835261, 0.5049689, 0.502495,
                                 0.5889163, 0.4553368, 0.3140603, 0.5886882, 0.5096135, 0.5925625, 0.537203, 0.4212993, 0.5237638,
                                 0.479189, 0.5028467, 0.5858165, 0.4675314, 0.4195071, 0.5738175, 0.4659093, 0.6250628, 0.5836859,
                                 0.4594021, 0.5426579, 0.5771787]
        let blurred = Regularisers.gaussianBlur(Tensor(shape: [1, 1, 5, 6], scalars: values), sigma: 0.8)
        for i in 0..<30 { XCTAssertEqual(blurred.scalars[i], expected[i], accuracy: 1e-6) }
        XCTAssertEqual(blurred.scalars.reduce(0, +), values.reduce(0, +), accuracy: 1e-4)
    }

    func testNormClippingZeroesPixelsStrictlyBelowThePercentile() {
        // Pixel norms over 2 channels: 0.5, 0.1, 0.3, 0.9, 0.2, 0.7 (channel 1 is zero); NumPy percentile 50 = 0.4.
        var x = Tensor(shape: [1, 2, 2, 3], scalars: [0.5, 0.1, 0.3, 0.9, 0.2, 0.7] + [Float](repeating: 0, count: 6))
        Regularisers.zeroBelowPercentile(&x, scores: Regularisers.pixelNorms(x), percentile: 50)
        XCTAssertEqual(Array(x.scalars.prefix(6)), [0.5, 0, 0, 0.9, 0, 0.7])
        // A pixel exactly at the percentile stays.
        var y = Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3])
        Regularisers.zeroBelowPercentile(&y, scores: Regularisers.pixelNorms(y), percentile: 50)
        XCTAssertEqual(y.scalars, [0, 2, 3])
    }

    func testContributionIsMinusInputTimesGradientSummedOverChannels() {
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, -4])
        let g = Tensor(shape: [1, 2, 1, 2], scalars: [0.5, 1, -1, 1])
        // pixel 0: −(1·0.5 + 3·(−1)) = 2.5; pixel 1: −(2·1 + (−4)·1) = 2.
        XCTAssertEqual(Regularisers.pixelContributions(x, gradient: g), [2.5, 2])
    }

    func testRollIsUndoneByTheOppositeShift() {
        let x = random.tensor([1, 2, 4, 5])
        let rolled = Regularisers.roll(x, dy: 1, dx: -2)
        XCTAssertEqual(rolled.scalars[1 * 5 + 0], x.scalars[0 * 5 + 2])
        XCTAssertEqual(Regularisers.roll(rolled, dy: -1, dx: 2).scalars, x.scalars)
    }
}
