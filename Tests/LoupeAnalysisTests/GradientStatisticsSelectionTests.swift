import LoupeAnalysis
import LoupeTensor
import XCTest

/// N-abs99 display normalisation, confused-pair ranking and the gallery's seeded selection.
final class GradientStatisticsSelectionTests: XCTestCase {
    func testPercentileMatchesNumPyLinear() {
        XCTAssertEqual(DisplayNormalisation.percentile([4, 1, 3, 2], 50), 2.5)
        XCTAssertEqual(DisplayNormalisation.percentile([0, 10], 99) ?? 0, 9.9, accuracy: 1e-6)
        XCTAssertEqual(DisplayNormalisation.percentile([7], 99), 7)
        XCTAssertNil(DisplayNormalisation.percentile([], 99))
    }

    func testAbsPercentileAgainstHandComputation() throws {
        // Two channels of 2x3; m = Σ|a| = [1, 3, 2, 6, 0.5, 10].
        let a = Tensor(shape: [1, 2, 2, 3], scalars: [1, -2, 1, 4, 0.5, -5,
                                                       0, 1, -1, -2, 0, 5])
        let out = try DisplayNormalisation.absPercentile(a)
        XCTAssertEqual(out.shape, [1, 1, 2, 3])
        // sorted m = [0.5, 1, 2, 3, 6, 10]; P99: position 0.99·5 = 4.95 → 6 + 0.95·4 = 9.8; min 0.5.
        let span: Float = 9.8 - 0.5
        let expected: [Float] = [0.5 / span, 2.5 / span, 1.5 / span, 5.5 / span, 0, 1]
        for (got, want) in zip(out.scalars, expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        // A flat map gives zeros, not NaN; a second image is normalised on its own.
        let flat = try DisplayNormalisation.absPercentile(Tensor(shape: [2, 1, 1, 2], scalars: [3, 3, 0, 2]))
        XCTAssertEqual(flat.scalars, [0, 0, 0, 1])
        XCTAssertThrowsError(try DisplayNormalisation.absPercentile(Tensor(shape: [3, 3])))
    }

    func testConfusedPairsRankOffDiagonalCells() {
        let confusion = [[50, 2, 7],
                         [7, 40, 0],
                         [1, 9, 30]]
        XCTAssertEqual(SampleChoice.confusedPairs(confusion, limit: 3),
                       [ConfusedPair(trueClass: 2, predicted: 1, count: 9), ConfusedPair(trueClass: 0, predicted: 2, count: 7),
                        ConfusedPair(trueClass: 1, predicted: 0, count: 7)])
        XCTAssertEqual(SampleChoice.confusedPairs([[5, 0], [0, 5]]), [])
        XCTAssertEqual(SampleChoice.confusedPairs(confusion, limit: 10).count, 5)
    }

    func testGalleryMixesCorrectAndWrongDeterministically() {
        let labels = Array(0..<20).map { $0 % 4 }
        var predictions = labels
        for i in [3, 7, 11] { predictions[i] = (labels[i] + 1) % 4 }
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let a = SampleChoice.gallery(labels: labels, predictions: predictions, count: 8, generator: &g1)
        let b = SampleChoice.gallery(labels: labels, predictions: predictions, count: 8, generator: &g2)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 8)
        XCTAssertEqual(Set(a).count, 8)
        XCTAssertEqual(a.filter { labels[$0] != predictions[$0] }.count, 3)
        // Wrong ones fill in when there are too few correct ones.
        var g3 = SeededGenerator(seed: 1)
        let mostlyWrong = SampleChoice.gallery(labels: [0, 0, 0, 0], predictions: [0, 1, 1, 1], count: 4, generator: &g3)
        XCTAssertEqual(mostlyWrong, [0, 1, 2, 3])
        var g4 = SeededGenerator(seed: 1)
        XCTAssertEqual(SampleChoice.capped(count: 5, cap: 10, generator: &g4), [0, 1, 2, 3, 4])
        let capped = SampleChoice.capped(count: 100, cap: 10, generator: &g4)
        XCTAssertEqual(capped.count, 10)
        XCTAssertEqual(capped, capped.sorted())
    }
}
