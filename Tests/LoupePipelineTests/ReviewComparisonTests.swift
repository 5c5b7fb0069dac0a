import Foundation
import LoupeAnalysis
import LoupeData
@testable import LoupePipeline
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Run records, the comparison of two runs (same images or not) and the gates.
final class ReviewComparisonTests: XCTestCase {
    /// A snapshot of `count` images whose correctness is `correct(i)`; robustness cells on the first `cellImages` images.
    func snapshot(_ id: String, count: Int, fingerprint: String = "fnv1a64:0000000000000001", profile: String = "cifar",
                  cellImages: Int? = nil, correct: (Int) -> Bool, cellCorrect: ((Int, Int) -> Bool)? = nil) -> RunSnapshot {
        let predictions = (0..<count).map { i in
            RunRecords.Prediction(index: i, source: "shapes#\(i)", label: i % 3, prediction: correct(i) ? i % 3 : (i + 1) % 3,
                                  confidence: 0.6 + 0.3 * Double(i % 5) / 4, trueClassProbability: correct(i) ? 0.8 : 0.1)
        }
        let rows = cellImages ?? count
        let cells = ["clean", "fog@1", "fog@2", "pixelate@1", "pixelate@2"]
        let hits = cells.enumerated().map { c, _ in (0..<rows).map { i in c == 0 ? correct(i) : (cellCorrect?(c, i) ?? correct(i)) } }
        let accuracy = Double(predictions.filter(\.correct).count) / Double(count)
        let summary = SummaryValue.object([
            ("summary", .object([("accuracy", .number(accuracy)), ("classes", .list([.text("a"), .text("b"), .text("c")]))])),
            ("robustness", .object([("profile", .text(profile)), ("mean_error_unnormalised", .number(0.3))])),
        ])
        return RunSnapshot(runID: id, folder: "/nonexistent/\(id)", modelHash: "abc", modelName: "m.onnx", datasetFingerprint: fingerprint,
                           imageCount: count, preprocessing: "{}", summary: summary, predictions: predictions,
                           robustness: RunRecords.RobustnessCorrectness(indices: Array(0..<rows), cells: cells, hits: hits))
    }

    func testSameRunTwiceIsNotSignificantAndTripsNoGate() {
        let a = snapshot("a", count: 300) { $0 % 4 != 0 }
        let b = snapshot("b", count: 300) { $0 % 4 != 0 }
        let comparison = RunComparison(before: a, after: b, bootstrapResamples: 200)
        XCTAssertTrue(comparison.sameImages)
        XCTAssertTrue(comparison.sameCorruptions)
        XCTAssertEqual(comparison.accuracy?.difference, 0)
        XCTAssertEqual(comparison.accuracy?.pValue, 1)
        XCTAssertTrue(comparison.flipped.isEmpty)
        XCTAssertFalse(comparison.cells.contains(where: \.regression))
        XCTAssertEqual(comparison.relativeCorruptionErrors.map(\.ratio), [1, 1])
        var gates = GateOptions()
        gates.accuracyDrop = 0.01
        gates.corruptionErrorRise = 0.01
        let results = ReviewGates.evaluate(gates, comparison: comparison, findings: [])
        XCTAssertEqual(results.map(\.passed), [true, true])
        XCTAssertTrue(results[0].message.contains("not significant"), results[0].message)
    }

    func testSignificantDropTripsTheAccuracyGate() {
        let a = snapshot("a", count: 300) { $0 % 10 != 0 }
        let b = snapshot("b", count: 300) { $0 % 2 == 1 }
        let comparison = RunComparison(before: a, after: b, bootstrapResamples: 200)
        let accuracy = try? XCTUnwrap(comparison.accuracy)
        XCTAssertLessThan(accuracy?.difference ?? 0, -0.3)
        XCTAssertLessThan(accuracy?.pValue ?? 1, 1e-6)
        XCTAssertEqual(comparison.flipped.count, (accuracy?.rightToWrong ?? 0) + (accuracy?.wrongToRight ?? 0))
        XCTAssertTrue(comparison.flipped.allSatisfy(\.rightToWrong))
        XCTAssertTrue(comparison.cells.contains(where: \.regression), "every corrupted cell lost 40 % of its images")
        var gates = GateOptions()
        gates.accuracyDrop = 0.05
        let results = ReviewGates.evaluate(gates, comparison: comparison, findings: [])
        XCTAssertEqual(results.first?.passed, false)
        let section = ChangesSection.section(comparison)
        XCTAssertEqual(section.title, ChangesSection.title)
    }

    func testDifferentImageCountsAreFlaggedNotScored() {
        let a = snapshot("a", count: 300) { $0 % 4 != 0 }
        let b = snapshot("b", count: 1000, fingerprint: "fnv1a64:0000000000000002") { $0 % 3 != 0 }
        let comparison = RunComparison(before: a, after: b, bootstrapResamples: 200)
        XCTAssertFalse(comparison.sameImages)
        XCTAssertFalse(comparison.sameCorruptions)
        XCTAssertTrue(comparison.differences.contains { $0.contains("image counts") }, "\(comparison.differences)")
        XCTAssertTrue(comparison.differences.contains { $0.contains("fingerprint") }, "\(comparison.differences)")
        XCTAssertNil(comparison.accuracy)
        XCTAssertTrue(comparison.cells.isEmpty)
        XCTAssertTrue(comparison.relativeCorruptionErrors.isEmpty, "no relative CE from different images")
        XCTAssertNil(comparison.meanCorruptionError)
        let numbers = ChangesSection.numbers(comparison).json()
        XCTAssertTrue(numbers.contains("\"relative_ce\": {}"), numbers)
        let section = ChangesSection.section(comparison)
        guard case .callout(let callout)? = section.blocks.dropFirst().first else { return XCTFail("the warning must open the section") }
        XCTAssertTrue(callout.title.contains("Not a comparison of models"))
        var gates = GateOptions()
        gates.accuracyDrop = 0.01
        let results = ReviewGates.evaluate(gates, comparison: comparison, findings: [])
        XCTAssertEqual(results.first?.passed, true)
        XCTAssertTrue(results.first?.message.contains("not scored on the same images") ?? false)
    }

    func testDifferentCorruptionProfilesKeepAccuracyButDropCells() {
        let a = snapshot("a", count: 200) { $0 % 4 != 0 }
        let b = snapshot("b", count: 200, profile: "imagenet") { $0 % 4 != 0 }
        let comparison = RunComparison(before: a, after: b, bootstrapResamples: 200)
        XCTAssertTrue(comparison.sameImages)
        XCTAssertFalse(comparison.sameCorruptions)
        XCTAssertNotNil(comparison.accuracy)
        XCTAssertTrue(comparison.cells.isEmpty)
        XCTAssertTrue(comparison.relativeCorruptionErrors.isEmpty)
        XCTAssertTrue(comparison.differences.contains { $0.contains("corruption profiles") })
        let c = snapshot("c", count: 200, cellImages: 100) { $0 % 4 != 0 }
        XCTAssertTrue(RunComparison(before: a, after: c, bootstrapResamples: 50).differences.contains { $0.contains("sampled different images") })
    }

    func testRecordsRoundTripThroughTheRunFolder() throws {
        let scratch = try PipelineScratch("records")
        var evaluation = Evaluation()
        evaluation.classCount = 3
        evaluation.labels = [0, 1, 2]
        evaluation.predictions = [0, 2, 2]
        evaluation.confidences = [0.9, 0.5, 0.75]
        evaluation.trueClassProbabilities = [0.9, 0.25, 0.75]
        try RunRecords.predictions(evaluation, dataset: NamedDataset()).write(to: URL(fileURLWithPath: scratch.path(RunRecords.predictionsFile)))
        let rows = try RunRecords.readPredictions(folder: scratch.folder.path)
        XCTAssertEqual(rows.map(\.prediction), [0, 2, 2])
        XCTAssertEqual(rows.map(\.correct), [true, false, true])
        XCTAssertEqual(rows[1].source, "a, \"quoted\" name#1")
        XCTAssertEqual(rows[1].trueClassProbability, 0.25)
        try Data("index,clean,fog@1\n4,1,0\n9,0,0\n".utf8).write(to: URL(fileURLWithPath: scratch.path(RunRecords.robustnessFile)))
        let cells = try XCTUnwrap(RunRecords.readRobustness(folder: scratch.folder.path))
        XCTAssertEqual(cells.indices, [4, 9])
        XCTAssertEqual(cells.cells, ["clean", "fog@1"])
        XCTAssertEqual(cells.hits, [[true, false], [false, false]])
    }

    func testReviewOptionsAreReadWithTheirDefaults() throws {
        let scratch = try PipelineScratch("review-config")
        _ = try scratch.writeTinyModel("m.onnx", classes: 3)
        func load(_ extra: String) throws -> ReviewOptions {
            let path = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}\#(extra)}]}"#, to: "c.json")
            return try XCTUnwrap(LoupeConfig.load(path: path).jobs.first).review
        }
        let plain = try load("")
        XCTAssertNil(plain.compare)
        XCTAssertEqual(plain.history, 30, "trends over the last 30 runs by default")
        XCTAssertTrue(plain.gates.isEmpty)
        XCTAssertEqual(plain.findings, FindingsOptions())
        let nightly = try load(#", "compare": "previous", "gates": {"accuracy_drop": 0.02, "critical_findings": true}, "keep": 5, "findings": {"ig_completeness_error": 0.1}"#)
        XCTAssertEqual(nightly.compare, "previous")
        XCTAssertEqual(nightly.history, 30)
        XCTAssertEqual(nightly.keep, 5)
        XCTAssertEqual(nightly.gates.accuracyDrop, 0.02)
        XCTAssertTrue(nightly.gates.criticalFindings)
        XCTAssertEqual(nightly.findings.integratedGradientsError, 0.1)
        XCTAssertEqual(try load(#", "compare": "previous", "history": 3"#).history, 3)
        let bad = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}, "gates": {"accuracy_drop": 2, "typo": true}}]}"#, to: "bad.json")
        XCTAssertThrowsError(try LoupeConfig.load(path: bad)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("jobs[0].gates"), text)
        }
    }

    func testPreviousRunIsTheNewestEarlierCompleteRun() throws {
        let scratch = try PipelineScratch("previous")
        for (name, complete) in [("20260101-000000-s1", true), ("20260102-000000-s1", true), ("20260103-000000-s1", false),
                                 (".20260104-000000-s1.partial", true)] {
            let folder = scratch.path("job/\(name)")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/summary.json"))
            if complete { try Data("index\n".utf8).write(to: URL(fileURLWithPath: folder + "/predictions.csv")) }
        }
        XCTAssertEqual(RunSnapshot.previousRun(in: scratch.path("job"), excluding: "20260105-000000-s1"), scratch.path("job/20260102-000000-s1"))
        XCTAssertEqual(RunSnapshot.previousRun(in: scratch.path("job"), excluding: "20260102-000000-s1"), scratch.path("job/20260101-000000-s1"))
        XCTAssertNil(RunSnapshot.previousRun(in: scratch.path("job"), excluding: "20260101-000000-s1"))
    }
}

/// A three-image dataset whose names need CSV quoting.
private struct NamedDataset: Dataset {
    var name: String { "a, \"quoted\" name" }
    var count: Int { 3 }
    var classNames: [String] { ["x", "y", "z"] }
    var sampleShape: [Int] { [1, 1, 1] }
    var labels: [Int] { [0, 1, 2] }
    var fingerprint: String { "fnv1a64:0" }
    func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        (Tensor(shape: [indices.count, 1, 1, 1], scalars: [Float](repeating: 0, count: indices.count)), indices.map { labels[$0] })
    }
}
