import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Deletion/insertion curves, RandomLogit and the verdict logic.
final class SanityFaithfulnessTests: XCTestCase {
    /// x[N,1,4,4] → Flatten → Gemm: logit 0 = 10·x[pixel 5], logit 1 = 0. Only pixel 5 matters.
    func onePixelModel() throws -> Classifier {
        var b = GraphBuilder()
        var w = Tensor(shape: [2, 16])
        w.scalars[5] = 10
        b.parameter("W", w)
        b.parameter("bias", Tensor(shape: [2]))
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        b.add("Gemm", [flat, "W", "bias"], ["transB": .int(1)], output: "logits")
        return try Classifier(model: try b.model(sampleShape: [1, 4, 4], output: "logits"))
    }

    func testDeletionAndInsertionGiveTheExpectedStepCurves() throws {
        let classifier = try onePixelModel()
        var x = Tensor(shape: [1, 1, 4, 4])
        x.scalars[5] = 1
        let high = 1 / (1 + exp(-10.0)), low = 0.5
        // Pixel 5 ranked first: deletion drops after the first step, insertion rises after it.
        var importance = (0..<16).map { 0.5 - Float($0) * 0.01 }
        importance[5] = 1
        let first = try Faithfulness.curves(classifier, images: x, targets: [0], importance: [importance], steps: 16)[0]
        XCTAssertEqual(first.fractions.count, 17)
        XCTAssertEqual(first.deletion[0], high, accuracy: 1e-6)
        for value in first.deletion.dropFirst() { XCTAssertEqual(value, low, accuracy: 1e-6) }
        XCTAssertEqual(first.insertion[0], low, accuracy: 1e-6)
        for value in first.insertion.dropFirst() { XCTAssertEqual(value, high, accuracy: 1e-6) }
        XCTAssertEqual(first.deletionAUC, (high + low) / 2 / 16 + 15 * low / 16, accuracy: 1e-6)
        XCTAssertEqual(first.insertionAUC, (high + low) / 2 / 16 + 15 * high / 16, accuracy: 1e-6)
        // Scoring in small batches gives the same curves.
        XCTAssertEqual(try Faithfulness.curves(classifier, images: x, targets: [0], importance: [importance], steps: 16, batchSize: 5)[0], first)
        // Pixel 5 ranked last: deletion stays high until the final step.
        importance[5] = -1
        let last = try Faithfulness.curves(classifier, images: x, targets: [0], importance: [importance], steps: 16)[0]
        for value in last.deletion.dropLast() { XCTAssertEqual(value, high, accuracy: 1e-6) }
        XCTAssertEqual(last.deletion[16], low, accuracy: 1e-6)
        XCTAssertGreaterThan(last.deletionAUC, first.deletionAUC)
        // The baseline is the image minimum: pixels at 0.2, pixel 5 at 0.3; deleting pixel 5 sets it to 0.2 (logit 2).
        var shifted = Tensor(shape: [1, 1, 4, 4], repeating: 0.2)
        shifted.scalars[5] = 0.3
        importance[5] = 1
        let base = try Faithfulness.curves(classifier, images: shifted, targets: [0], importance: [importance], steps: 16)[0]
        XCTAssertEqual(base.deletion[1], 1 / (1 + exp(-2.0)), accuracy: 1e-6)
        XCTAssertThrowsError(try Faithfulness.curves(classifier, images: x, targets: [0], importance: [importance], steps: 0))
    }

    func testRandomLogitDrawsAnotherClassAndComparesMaps() throws {
        var generator = SeededGenerator(seed: 4)
        let labels = (0..<200).map { $0 % 5 }
        let others = RandomLogit.otherClasses(labels: labels, classCount: 5, generator: &generator)
        XCTAssertTrue(zip(labels, others).allSatisfy { $0 != $1 })
        XCTAssertEqual(Set(others), Set(0..<5))
        var random = TestRandom(seed: 2)
        let maps = random.tensor([2, 1, 6, 6])
        for value in try RandomLogit.similarity(maps, maps) { XCTAssertEqual(value, 1, accuracy: 1e-9) }
        let unrelated = random.tensor([2, 1, 6, 6])
        for value in try RandomLogit.similarity(maps, unrelated) { XCTAssertLessThan(value, 0.5) }
        // Normalised by the batch-wide max |a|.
        let scaled = RandomLogit.normalisedByMax(Tensor(shape: [2, 2], scalars: [1, -4, 2, 0]))
        XCTAssertEqual(scaled.scalars, [0.25, -1, 0.5, 0])
    }

    func testVerdictsOnMadeUpNumbers() {
        let t = SanityThresholds()
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.12, finalSpearman: 0.05, thresholds: t), .passes)
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.81, finalSpearman: 0.66, thresholds: t), .fails)
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.5, finalSpearman: 0.5, thresholds: t), .fails, "at the threshold is not below it")
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.3, finalSpearman: 0.7, thresholds: t), .inconclusive)
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: .nan, finalSpearman: 0.1, thresholds: t), .undetermined)
        XCTAssertEqual(SanityVerdict.faithfulness(deletionAUC: 0.1, insertionAUC: 0.8, randomDeletionAUC: 0.4, randomInsertionAUC: 0.5), .passes)
        XCTAssertEqual(SanityVerdict.faithfulness(deletionAUC: 0.5, insertionAUC: 0.4, randomDeletionAUC: 0.4, randomInsertionAUC: 0.5), .fails)
        XCTAssertEqual(SanityVerdict.faithfulness(deletionAUC: 0.1, insertionAUC: 0.4, randomDeletionAUC: 0.4, randomInsertionAUC: 0.5), .inconclusive)
        XCTAssertEqual(SanityVerdict.randomLogit(meanSSIM: 0.2, thresholds: t), .passes)
        XCTAssertEqual(SanityVerdict.randomLogit(meanSSIM: 0.9, thresholds: t), .fails)
        XCTAssertTrue(SanityVerdict.survivesTopLayer(firstStepSSIM: 0.84, thresholds: t))
        XCTAssertFalse(SanityVerdict.survivesTopLayer(firstStepSSIM: 0.2, thresholds: t))
        XCTAssertFalse(SanityVerdict.survivesTopLayer(firstStepSSIM: .nan, thresholds: t))
        var strict = t
        strict.ssim = 0.1
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.12, finalSpearman: 0.05, thresholds: strict), .inconclusive)
        // A verdict resting on fewer than half of the images (the rest had empty maps) is inconclusive.
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.12, finalSpearman: 0.05, thresholds: t, scored: 3, of: 8), .inconclusive)
        XCTAssertEqual(SanityVerdict.randomisation(finalSSIM: 0.12, finalSpearman: 0.05, thresholds: t, scored: 4, of: 8), .passes)
    }

    func testEmptyAndConstantMapsAreDetected() {
        XCTAssertTrue(EmptyMaps.isEmpty([Float](repeating: 0, count: 9)))
        XCTAssertTrue(EmptyMaps.isEmpty([Float](repeating: 0.25, count: 9)))
        XCTAssertTrue(EmptyMaps.isEmpty([1, 1, 1 + 1e-7] as [Float]), "constant within the tolerance")
        XCTAssertTrue(EmptyMaps.isEmpty([Float.nan, 0, 0]))
        XCTAssertFalse(EmptyMaps.isEmpty([0, 0, 1e-12] as [Float]), "tiny but ranked values are a map")
        XCTAssertFalse(EmptyMaps.isEmpty([0.2, 0.3, 0.2] as [Float]))
        XCTAssertEqual(EmptyMaps.rows(Tensor(shape: [3, 1, 1, 2], scalars: [0, 0, 0, 1, 2, 2])), [true, false, true])
        XCTAssertTrue(EmptyMaps.tooFew(scored: 1, of: 3))
        XCTAssertFalse(EmptyMaps.tooFew(scored: 2, of: 4))
    }
}
