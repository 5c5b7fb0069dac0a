import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeTensor
import LoupeTestSupport
import XCTest

/// CE, mCE, relative mCE and ECE against hand computations.
final class RobustnessMetricsTests: XCTestCase {
    /// A tally of `total` predictions of which `wrong` are wrong, all with confidence `confidence`.
    func tally(wrong: Int, of total: Int = 20, classes: Int = 1000, confidence: Double = 0.9) -> RobustnessTally {
        var t = RobustnessTally(classCount: classes)
        for i in 0..<total { t.add(label: 0, prediction: i < wrong ? 1 : 0, confidence: confidence) }
        return t
    }

    /// Made-up errors on gaussian_noise (0.1...0.5), frost (0.3...0.7) and saturate, clean error 0.05, AlexNet table.
    func madeUpResult(classes: Int = 1000, size: Int = 224, profile: CorruptionProfile = .imagenet) -> RobustnessResult {
        RobustnessResult(
            corruptions: ["gaussian_noise", "frost", "saturate"], severities: [1, 2, 3, 4, 5], profile: profile,
            height: size, width: size, channels: 3, images: 20, classCount: classes, clean: tally(wrong: 1, classes: classes),
            cells: [[2, 4, 6, 8, 10].map { tally(wrong: $0, classes: classes) }, [6, 8, 10, 12, 14].map { tally(wrong: $0, classes: classes) },
                    [1, 1, 1, 1, 1].map { tally(wrong: $0, classes: classes) }],
            alexNetApplies: RobustnessMetrics.alexNetApplies(profileIsImageNet: profile == .imagenet, height: size, width: size,
                                                            classes: classes),
            baseline: nil, jpegQ85: false, sample: nil)
    }

    func testCorruptionErrorsAgainstHandComputationWithAlexNet() {
        // Hand computation: Σ E = 1.5; AlexNet Σ = 0.69528 + 0.82542 + 0.93554 + 0.98138 + 0.99452 = 4.43214.
        let r = madeUpResult()
        XCTAssertEqual(r.normalisationKind, "alexnet")
        let ce = r.corruptionErrors, relative = r.relativeCorruptionErrors
        XCTAssertEqual(ce[0] ?? -1, 1.5 / 4.43214, accuracy: 1e-12)
        XCTAssertEqual(ce[0] ?? -1, 0.3384369627, accuracy: 1e-9)
        // Relative: (1.5 − 5·0.05) / (4.43214 − 5·0.43478).
        XCTAssertEqual(relative[0] ?? -1, 1.25 / (4.43214 - 5 * 0.43478), accuracy: 1e-12)
        XCTAssertEqual(relative[0] ?? -1, 0.5535284115, accuracy: 1e-9)
        // Frost: Σ E = 2.5 over AlexNet's 4.13286.
        XCTAssertEqual(ce[1] ?? -1, 0.6049079814, accuracy: 1e-9)
        XCTAssertEqual(relative[1] ?? -1, 1.1485686283, accuracy: 1e-9)
        // The extra corruption never enters mCE.
        XCTAssertNil(ce[2])
        XCTAssertEqual(r.meanCorruptionError ?? -1, (0.3384369627 + 0.6049079814) / 2, accuracy: 1e-9)
        XCTAssertEqual(r.relativeMeanCorruptionError ?? -1, (0.5535284115 + 1.1485686283) / 2, accuracy: 1e-9)
        XCTAssertEqual(r.meanCorruptionErrorWithoutFrost ?? -1, 0.3384369627, accuracy: 1e-9)
        // Unnormalised: mean of the 10 benchmark cells (0.1 ... 0.5 and 0.3 ... 0.7).
        XCTAssertEqual(r.unnormalisedMeanError ?? -1, 0.4, accuracy: 1e-12)
        XCTAssertEqual(r.cleanError, 0.05, accuracy: 1e-12)
    }

    func testAlexNetOnlyForImageNetProfileAt224WithThousandClasses() {
        XCTAssertNil(madeUpResult(classes: 10).meanCorruptionError)
        XCTAssertNil(madeUpResult(size: 32, profile: .imagenet).meanCorruptionError)
        XCTAssertNil(madeUpResult(profile: .cifar).meanCorruptionError)
        XCTAssertEqual(madeUpResult(classes: 10).normalisationKind, "none")
        XCTAssertEqual(madeUpResult(classes: 10).unnormalisedMeanError ?? -1, 0.4, accuracy: 1e-12)
        // The table is that of docs/corruptions.md#alexnet-baseline: the average column is the mean of the five severities.
        XCTAssertEqual(RobustnessMetrics.alexNetErrors.count, 19)
        XCTAssertEqual((RobustnessMetrics.alexNetErrors["elastic_transform"] ?? []).reduce(0, +) / 5, 0.646056, accuracy: 1e-6)
        XCTAssertEqual((RobustnessMetrics.alexNetErrors["jpeg_compression"] ?? []).reduce(0, +) / 5, 0.606500, accuracy: 1e-6)
    }

    func testBaselineNormalisationUsesTheBaselineCells() {
        var r = madeUpResult(classes: 10, size: 32, profile: .cifar)
        var errors = [String: [Int: Double]]()
        for name in r.corruptions { errors[name] = [1: 0.2, 2: 0.2, 3: 0.4, 4: 0.4, 5: 0.8] }
        r.baseline = RobustnessBaseline(path: "/x/summary.json", profile: "cifar", imageSize: [32, 32],
                                        normaliser: .init(name: "baseline x", errors: errors, cleanError: 0.1))
        XCTAssertEqual(r.normalisationKind, "baseline")
        let ce = r.corruptionErrors, relative = r.relativeCorruptionErrors
        XCTAssertEqual(ce[0] ?? -1, 1.5 / 2.0, accuracy: 1e-12)
        XCTAssertEqual(relative[0] ?? -1, (1.5 - 0.25) / (2.0 - 0.5), accuracy: 1e-12)
        // With a baseline the extras count too: saturate Σ E = 0.25.
        XCTAssertEqual(ce[2] ?? -1, 0.25 / 2.0, accuracy: 1e-12)
        XCTAssertEqual(r.meanCorruptionError ?? -1, (0.75 + 1.25 + 0.125) / 3, accuracy: 1e-12)
    }

    func testExpectedCalibrationErrorByHandAndAgainstDirectComputation() {
        // (0.95, wrong), (0.95, right) in bin 14: |0.5 − 0.95| · 2/4; 0.5 right in bin 7: 0.5 · 1/4; 0.3 wrong in bin 4: 0.3 · 1/4.
        var bins = CalibrationBins()
        for (c, ok) in [(0.95, false), (0.95, true), (0.5, true), (0.3, false)] { bins.add(confidence: c, correct: ok) }
        XCTAssertEqual(bins.expectedCalibrationError, 0.425, accuracy: 1e-12)
        XCTAssertEqual(bins.bin(of: 1), 14)
        XCTAssertEqual(bins.bin(of: 0), 0)
        XCTAssertEqual(bins.bin(of: 1.0 / 15), 0)
        XCTAssertEqual(bins.bin(of: 1.0 / 15 + 1e-9), 1)
        var random = TestRandom(seed: 5)
        var many = CalibrationBins()
        var samples = [(Double, Bool)]()
        for _ in 0..<2000 {
            let c = Double(random.tensor([1], in: 0.1...1).scalars[0])
            let ok = Double(random.tensor([1], in: 0...1).scalars[0]) < c * 0.8
            samples.append((c, ok)); many.add(confidence: c, correct: ok)
        }
        var direct = 0.0
        for b in 0..<15 {
            let lo = Double(b) / 15, hi = Double(b + 1) / 15
            let inside = samples.filter { $0.0 > lo && $0.0 <= hi }
            guard !inside.isEmpty else { continue }
            let accuracy = Double(inside.filter { $0.1 }.count) / Double(inside.count)
            let confidence = inside.map { $0.0 }.reduce(0, +) / Double(inside.count)
            direct += Double(inside.count) / Double(samples.count) * abs(accuracy - confidence)
        }
        XCTAssertEqual(many.expectedCalibrationError, direct, accuracy: 1e-12)
        XCTAssertGreaterThan(direct, 0.05)
        XCTAssertEqual(many.meanConfidence, samples.map { $0.0 }.reduce(0, +) / 2000, accuracy: 1e-12)
    }
}
