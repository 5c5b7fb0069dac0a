import Foundation
import LoupeAnalysis
import LoupeTestSupport
import XCTest

/// McNemar, the paired accuracy interval, Holm and the seeded bootstrap against SciPy / statsmodels
/// (fixtures from Tests/Fixtures/make_review_fixtures.py).
final class ReviewStatisticsTests: XCTestCase {
    struct Reference: Decodable {
        struct McNemarCase: Decodable { var b: Int; var c: Int; var p_statsmodels: Double; var p_scipy: Double }
        struct PairedCase: Decodable { var n: Int; var b: Int; var c: Int; var difference: Double; var lower: Double; var upper: Double }
        struct HolmCase: Decodable { var p: [Double]; var adjusted: [Double] }
        struct BootstrapCase: Decodable {
            var confidences: [Double]
            var correct: [Bool]
            var ece: Double
            var ece_interval: [Double]
            var mean_interval: [Double]
        }
        var mcnemar: [McNemarCase]
        var paired: [PairedCase]
        var holm: [HolmCase]
        var bootstrap: BootstrapCase
    }

    func reference() throws -> Reference {
        let url = fixturesDirectory.appendingPathComponent("review/reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func testMcNemarExactMatchesStatsmodelsAndSciPy() throws {
        let cases = try reference().mcnemar
        XCTAssertGreaterThanOrEqual(cases.count, 8)
        for c in cases {
            let p = PairedComparison.mcnemarExact(c.b, c.c)
            XCTAssertEqual(p, c.p_statsmodels, accuracy: 1e-10 + 1e-9 * c.p_statsmodels, "b \(c.b), c \(c.c)")
            XCTAssertEqual(p, c.p_scipy, accuracy: 1e-10 + 1e-9 * c.p_scipy, "b \(c.b), c \(c.c)")
            XCTAssertEqual(PairedComparison.mcnemarExact(c.c, c.b), p, "symmetric in b and c")
        }
    }

    func testPairedDifferenceInterval() throws {
        for c in try reference().paired {
            let comparison = PairedComparison(count: c.n, rightToWrong: c.b, wrongToRight: c.c)
            XCTAssertEqual(comparison.difference, c.difference, accuracy: 1e-12)
            XCTAssertEqual(comparison.lower, c.lower, accuracy: 1e-9)
            XCTAssertEqual(comparison.upper, c.upper, accuracy: 1e-9)
        }
    }

    func testPairedComparisonCountsDiscordantPairs() {
        let a = [true, true, false, false, true, false]
        let b = [true, false, true, true, true, false]
        let comparison = PairedComparison(correctA: a, correctB: b)
        XCTAssertEqual(comparison.rightToWrong, 1)
        XCTAssertEqual(comparison.wrongToRight, 2)
        XCTAssertEqual(comparison.difference, 1.0 / 6, accuracy: 1e-12)
        let same = PairedComparison(correctA: a, correctB: a)
        XCTAssertEqual(same.pValue, 1)
        XCTAssertEqual(same.difference, 0)
        XCTAssertEqual(same.lower, 0)
        XCTAssertEqual(same.upper, 0)
        XCTAssertFalse(same.significant())
    }

    func testHolmMatchesStatsmodels() throws {
        for c in try reference().holm {
            let adjusted = HolmCorrection.adjust(c.p)
            XCTAssertEqual(adjusted.count, c.adjusted.count)
            for (x, y) in zip(adjusted, c.adjusted) { XCTAssertEqual(x, y, accuracy: 1e-12, "\(c.p)") }
        }
        XCTAssertEqual(HolmCorrection.rejected([0.01, 0.04, 0.03, 0.005]), [true, false, false, true])
    }

    func testExpectedCalibrationErrorMatchesNumPy() throws {
        let b = try reference().bootstrap
        XCTAssertEqual(Bootstrap.expectedCalibrationError(confidences: b.confidences, correct: b.correct), b.ece, accuracy: 1e-12)
    }

    func testBootstrapIntervalsMatchSciPyWithinMonteCarloError() throws {
        let b = try reference().bootstrap
        let n = b.confidences.count
        let ece = Bootstrap.percentileInterval(count: n, resamples: 10000, seed: 7) { indices in
            Bootstrap.expectedCalibrationError(confidences: b.confidences, correct: b.correct, indices: indices)
        }
        XCTAssertEqual(ece.lower, b.ece_interval[0], accuracy: 0.004)
        XCTAssertEqual(ece.upper, b.ece_interval[1], accuracy: 0.004)
        let mean = Bootstrap.percentileInterval(count: n, resamples: 10000, seed: 8) { indices in
            indices.reduce(0.0) { $0 + b.confidences[$1] } / Double(indices.count)
        }
        XCTAssertEqual(mean.lower, b.mean_interval[0], accuracy: 0.002)
        XCTAssertEqual(mean.upper, b.mean_interval[1], accuracy: 0.002)
    }

    func testBootstrapIsSeeded() {
        let values = (0..<50).map { Double($0 % 7) }
        let statistic: ([Int]) -> Double = { indices in indices.reduce(0.0) { $0 + values[$1] } / Double(indices.count) }
        let first = Bootstrap.percentileInterval(count: 50, resamples: 500, seed: 3, statistic: statistic)
        let again = Bootstrap.percentileInterval(count: 50, resamples: 500, seed: 3, statistic: statistic)
        let other = Bootstrap.percentileInterval(count: 50, resamples: 500, seed: 4, statistic: statistic)
        XCTAssertEqual(first.lower, again.lower)
        XCTAssertEqual(first.upper, again.upper)
        XCTAssertTrue(first.lower != other.lower || first.upper != other.upper)
        XCTAssertLessThan(first.lower, 3)
        XCTAssertGreaterThan(first.upper, 2.5)
    }
}
