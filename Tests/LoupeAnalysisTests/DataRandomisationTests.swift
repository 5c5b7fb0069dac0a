import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Shuffled-label retraining and the map similarity measures of the data randomisation test.
final class DataRandomisationTests: XCTestCase {
    var random = TestRandom(seed: 9)

    /// x [1, 6, 6] → Conv(1→3, 3x3, pad 1) → Relu → Flatten → Gemm(108 → 4): 466 trainable parameters.
    func tinyClassifier() throws -> Classifier {
        var b = GraphBuilder()
        b.parameter("K", random.tensor([3, 1, 3, 3]))
        b.parameter("kb", random.tensor([3]))
        b.parameter("W", random.tensor([4, 108]))
        b.parameter("wb", random.tensor([4]))
        let conv = b.add("Conv", ["x", "K", "kb"], ["pads": .ints([1, 1, 1, 1])])
        let relu = b.add("Relu", [conv])
        let flat = b.add("Flatten", [relu], ["axis": .int(1)])
        let logits = b.add("Gemm", [flat, "W", "wb"], ["transB": .int(1)], output: "logits")
        return try Classifier(model: try b.model(sampleShape: [1, 6, 6], output: logits))
    }

    func testTrainableParametersAndFreshInitialisation() throws {
        let classifier = try tinyClassifier()
        let (names, count) = ShuffledLabelTraining.trainableParameters(of: classifier.model.graph)
        XCTAssertEqual(names, ["K", "kb", "W", "wb"])
        XCTAssertEqual(count, 27 + 3 + 432 + 4)
        let fresh = ShuffledLabelTraining.freshParameters(of: classifier.model.graph, names: names, seed: 3)
        XCTAssertEqual(fresh["kb"]?.scalars, [0, 0, 0])
        XCTAssertEqual(fresh["K"]?.shape, [3, 1, 3, 3])
        XCTAssertNotEqual(fresh["K"]?.scalars, classifier.model.graph.initializers["K"]?.asFloat.scalars)
        XCTAssertEqual(fresh["W"]?.scalars, ShuffledLabelTraining.freshParameters(of: classifier.model.graph, names: names, seed: 3)["W"]?.scalars)
    }

    func testShuffledLabelsArePermutations() {
        let p = ShuffledLabelTraining.permutation(count: 100, seed: 7)
        XCTAssertEqual(p.sorted(), Array(0..<100))
        XCTAssertNotEqual(p, Array(0..<100))
        XCTAssertEqual(p, ShuffledLabelTraining.permutation(count: 100, seed: 7))
        XCTAssertNotEqual(p, ShuffledLabelTraining.permutation(count: 100, seed: 8))
    }

    func testTrainingReducesTheLossOnShuffledLabels() throws {
        let classifier = try tinyClassifier()
        let n = 48
        let images = random.tensor([n, 1, 6, 6], in: 0...1)
        let labels = (0..<n).map { $0 % 4 }
        var trainer = ShuffledLabelTraining()
        trainer.seed = 1
        trainer.maxSteps = 120
        trainer.batchSize = 16
        trainer.learningRate = 0.03
        trainer.budgetSeconds = 120
        let outcome = try trainer.train(classifier, images: images, labels: labels)
        XCTAssertEqual(outcome.shuffledLabels.sorted(), labels.sorted(), "the labels are permuted, not redrawn")
        XCTAssertEqual(outcome.shuffledLabels, outcome.permutation.map { labels[$0] })
        XCTAssertNotEqual(outcome.shuffledLabels, labels)
        XCTAssertEqual(outcome.steps, 120)
        XCTAssertFalse(outcome.stoppedByBudget)
        XCTAssertLessThan(outcome.finalLoss, outcome.initialLoss - 0.05)
        XCTAssertEqual(outcome.epochs, 120.0 * 16 / 48, accuracy: 1e-9)
    }

    func testBudgetStopsTraining() throws {
        let classifier = try tinyClassifier()
        let images = random.tensor([32, 1, 6, 6], in: 0...1)
        var trainer = ShuffledLabelTraining()
        trainer.maxEpochs = 1_000_000
        trainer.batchSize = 8
        trainer.budgetSeconds = 0.3
        let outcome = try trainer.train(classifier, images: images, labels: (0..<32).map { $0 % 4 })
        XCTAssertTrue(outcome.stoppedByBudget)
        XCTAssertGreaterThan(outcome.steps, 0)
        XCTAssertLessThan(outcome.seconds, 5)
    }

    func testParameterCapRefusesLargeModels() throws {
        var trainer = ShuffledLabelTraining()
        trainer.parameterCap = 10
        XCTAssertThrowsError(try trainer.train(try tinyClassifier(), images: Tensor(shape: [1, 1, 6, 6]), labels: [0]))
    }

    /// A model compared with itself gives identical maps (ρ = SSIM = 1); another model gives the scores of its maps.
    func testComparisonScoresEachImageOfBothModels() throws {
        let original = try tinyClassifier()
        let other = try tinyClassifier()
        let images = random.tensor([3, 1, 6, 6], in: 0...1)
        let labels = [0, 2, 3]
        let same = try DataRandomisationComparison.compare(original: original, retrained: original, images: images, labels: labels,
                                                           camLayer: nil)
        XCTAssertNil(same.cams)
        XCTAssertEqual(same.saliency.count, 2)
        XCTAssertEqual(same.saliency[0], same.saliency[1])
        for row in 0..<3 {
            XCTAssertEqual(same.saliencySpearman[row], 1, accuracy: 1e-9)
            XCTAssertEqual(same.saliencySSIM[row], 1, accuracy: 1e-9)
        }
        XCTAssertEqual(same.camSpearman, [])
        let different = try DataRandomisationComparison.compare(original: original, retrained: other, images: images, labels: labels,
                                                                camLayer: nil)
        let raw = [try GradientAttribution.saliency(original, images: images, targets: labels),
                   try GradientAttribution.saliency(other, images: images, targets: labels)]
        let a = Array(raw[0].scalars[36..<72]), b = Array(raw[1].scalars[36..<72])
        let expected = try XCTUnwrap(MapSimilarity.ssim(MapSimilarity.minMax(a), MapSimilarity.minMax(b), channels: 1, height: 6, width: 6))
        XCTAssertEqual(different.saliencySSIM[1], expected)
        XCTAssertLessThan(different.saliencySSIM[1], 0.999)
        XCTAssertLessThan(different.saliencySpearman[1], 0.999)
    }

    /// SciPy `spearmanr([3,1,4,1,5,9,2,6,5,3], [2,7,1,8,2,8,1,8,2,8])` (ties in both).
    func testSpearmanWithTiesMatchesSciPy() throws {
        let rho = try XCTUnwrap(MapSimilarity.spearman([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8]))
        XCTAssertEqual(rho, 0.13471506281091267, accuracy: 1e-12)
        XCTAssertNil(MapSimilarity.spearman([1, 1, 1], [1, 2, 3]))
    }

    /// scikit-image `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=True, data_range=2,
    /// channel_axis=-1)` on two 12 x 13 two-channel maps.
    func testSSIMMatchesScikitImage() throws {
        let p: [Float] = (0..<312).map { (i: Int) -> Float in Float((i * 13) % 17) / 16 }
        let q: [Float] = (0..<312).map { (i: Int) -> Float in Float((i * 5) % 19) / 18 }
        let ssim = try XCTUnwrap(MapSimilarity.ssim(p, q, channels: 2, height: 12, width: 13))
        XCTAssertEqual(ssim, -0.03670200432407709, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(MapSimilarity.ssim(p, p, channels: 2, height: 12, width: 13)), 1, accuracy: 1e-9)
        XCTAssertNil(MapSimilarity.ssim(Array(p.prefix(260)), q, channels: 2, height: 10, width: 13), "sizes differ")
    }
}
