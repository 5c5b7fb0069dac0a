import Foundation
import LoupeAnalysis
import LoupeTensor
import XCTest

/// Analysis pieces behind the report's verdicts and error pages: class metrics, confident mistakes,
/// informative channels, spreads and the data randomisation verdict.
final class ReportHonestyTests: XCTestCase {
    func testClassMetricsAndTopConfusions() {
        // Rows: true class; columns: predicted.
        let confusion = [[8, 2, 0], [1, 5, 4], [0, 0, 0]]
        let metrics = ClassMetrics.of(confusion)
        XCTAssertEqual(metrics[0].precision, 8.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(metrics[0].recall, 0.8, accuracy: 1e-12)
        XCTAssertEqual(metrics[0].f1, 2 * (8.0 / 9) * 0.8 / (8.0 / 9 + 0.8), accuracy: 1e-12)
        XCTAssertEqual(metrics[1].confusions.map(\.predicted), [2, 0], "most frequent first")
        XCTAssertEqual(metrics[1].confusions.map(\.count), [4, 1])
        XCTAssertTrue(metrics[2].recall.isNaN, "no images: recall undefined")
        XCTAssertEqual(metrics[2].precision, 0, "predicted 4 times, never right")
        let mistakes = ClassMetrics.mistakes(confusion)
        XCTAssertTrue(mistakes[0][0].isNaN && mistakes[1][1].isNaN, "the diagonal is left out")
        XCTAssertEqual(mistakes[1][2], 4)
        XCTAssertEqual(ClassMetrics.of([[1, 3, 3]])[0].confusions.map(\.predicted), [1, 2], "ties: lower class first")
    }

    func testConfidentMistakesAreRankedByConfidenceThenIndex() {
        let labels = [0, 1, 2, 0, 1, 2]
        let predictions = [1, 1, 0, 2, 0, 2]
        let confidences: [Float] = [0.6, 0.99, 0.9, 0.6, 0.95, 0.8]
        XCTAssertEqual(SampleChoice.confidentMistakes(labels: labels, predictions: predictions, confidences: confidences, count: 3),
                       [4, 2, 0], "correct images left out; equal confidences by lower index")
        XCTAssertEqual(SampleChoice.confidentMistakes(labels: labels, predictions: predictions, confidences: confidences, count: 10),
                       [4, 2, 0, 3])
        XCTAssertTrue(SampleChoice.confidentMistakes(labels: [1], predictions: [1], confidences: [0.5], count: 3).isEmpty)
    }

    func testChannelChoiceSkipsDeadTiedAndNoiseChannelsAndRanksTheRest() {
        func hits(_ scores: [Float]) -> [ActivationHit] {
            scores.enumerated().map { ActivationHit(score: $0.element, index: $0.offset, row: 0, column: 0) }
        }
        let tops = [hits([5, 4, 3]),          // 0: rise 4 − 1 = 3
                    hits([0, 0, 0]),          // 1: dead
                    hits([2, 2, 2]),          // 2: tied
                    hits([9, 8, 7]),          // 3: rise 8 − 1 = 7
                    hits([1.0005, 1.0003, 1.0001]), // 4: rise 0.0003 (noise)
                    hits([3, 2.5, 2])]        // 5: rise 2.5 − 1 = 1.5
        let means = [1.0, 0, 1, 1, 1, 1]
        let dead = [false, true, false, false, false, false]
        let choice = ChannelChoice.choose(tops: tops, means: means, dead: dead, count: 2)
        XCTAssertEqual(choice.shown, [3, 0], "most informative first")
        XCTAssertEqual(choice.skipped.map(\.channel), [1, 2, 4])
        XCTAssertEqual(choice.skipped.map(\.reason), [.dead, .tied, .noise])
        XCTAssertEqual(ChannelChoice.choose(tops: tops, means: means, dead: dead, count: 10).shown, [3, 0, 5])
    }

    func testSpreadGivesQuartilesOfTheFiniteValues() throws {
        let spread = try XCTUnwrap(Spread([0.9, .nan, 0.1, 0.05, 0.85, 0.0]))
        XCTAssertEqual(spread.count, 5)
        XCTAssertEqual(spread.min, 0)
        XCTAssertEqual(spread.max, 0.9)
        XCTAssertEqual(spread.median, 0.1, accuracy: 1e-12)
        XCTAssertEqual(spread.lowerQuartile, 0.05, accuracy: 1e-12)
        XCTAssertEqual(spread.upperQuartile, 0.85, accuracy: 1e-12)
        XCTAssertNil(Spread([.nan]))
    }

    func testDataRandomisationVerdictIsInconclusiveWhenTheModelDidNotFit() {
        let verdict = { (rho: Double, fit: Double, scored: Int) in
            SanityVerdict.dataRandomisation(meanSpearman: rho, fit: fit, minFit: 0.5, scored: scored, of: 6, threshold: 0.5)
        }
        XCTAssertEqual(verdict(0.1, 0.2, 6), .inconclusive, "the demo's 20 % fit: a weak test")
        XCTAssertEqual(verdict(0.1, 0.9, 6), .passes)
        XCTAssertEqual(verdict(0.8, 0.9, 6), .fails)
        XCTAssertEqual(verdict(0.1, 0.9, 2), .inconclusive, "fewer than half of the images scored")
        XCTAssertEqual(verdict(0.1, .nan, 6), .inconclusive)
    }
}
