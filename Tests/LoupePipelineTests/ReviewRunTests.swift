import Foundation
import LoupeAnalysis
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// `loupe run` with the review options, end to end on a tiny model: records, compare "previous", gates, latest, keep.
final class ReviewRunTests: XCTestCase {
    func job(_ extra: String) -> String {
        let sections = #""sections": {"summary": true, "robustness": {"corruptions": ["fog"], "severities": [2, 4], "images_per_corruption": 12}}"#
        return #"{"jobs": [{"name": "r", "model": {"path": "tiny.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 24, "seed": 3}, \#(sections), "seed": 5\#(extra)}]}"#
    }

    func summary(_ scratch: PipelineScratch, _ run: String) throws -> SummaryValue {
        try RunSnapshot.readJSON(scratch.path("reports/r/\(run)/summary.json"))
    }

    func summary(_ scratch: PipelineScratch, job: String) throws -> SummaryValue {
        let run = try XCTUnwrap(scratch.runs(job).first)
        return try RunSnapshot.readJSON(scratch.path("reports/\(job)/\(run)/summary.json"))
    }

    func testTheSecondRunComparesWithTheFirstAndWritesItsRecords() throws {
        let scratch = try PipelineScratch("review-run")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write(job(#", "compare": "previous", "gates": {"accuracy_drop": 0.01}, "keep": 2"#), to: "c.json")
        let first = scratch.run(config)
        XCTAssertEqual(first.code, 0, first.lines.joined(separator: "\n"))
        sleep(1)  // run ids have one-second resolution
        let second = scratch.run(config)
        XCTAssertEqual(second.code, 0, second.lines.joined(separator: "\n"))
        let runs = scratch.runs("r").sorted()
        XCTAssertEqual(runs.count, 2)
        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path("reports/r/latest"))
        XCTAssertEqual(latest, runs[1])
        let folder = scratch.path("reports/r/\(runs[1])")
        XCTAssertEqual(try RunRecords.readPredictions(folder: folder).count, 24)
        let cells = try XCTUnwrap(RunRecords.readRobustness(folder: folder))
        XCTAssertEqual(cells.cells, ["clean", "fog@2", "fog@4"])
        XCTAssertEqual(cells.indices.count, 12)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/review.md"))
        let numbers = try summary(scratch, runs[1])
        XCTAssertNil(try summary(scratch, runs[0])["changes"], "the first run has nothing to compare with")
        let changes = try XCTUnwrap(numbers["changes"])
        XCTAssertEqual(changes["baseline_run"]?.textValue, runs[0])
        XCTAssertEqual(changes["same_images"], .flag(true))
        XCTAssertEqual(changes["accuracy"]?["difference"]?.doubleValue, 0)
        XCTAssertEqual(changes["accuracy"]?["significant"], .flag(false))
        XCTAssertEqual(numbers["gates"]?.listValue?.first?["result"]?.textValue, "pass")
        XCTAssertNotNil(numbers["findings"]?.listValue)
        let digest = try String(contentsOfFile: folder + "/review.md", encoding: .utf8)
        XCTAssertTrue(digest.contains("not significant"), digest)
        // A third run with keep = 2 removes the oldest, never the baseline it compared with.
        sleep(1)
        XCTAssertEqual(scratch.run(config).code, 0)
        let kept = scratch.runs("r").sorted()
        XCTAssertEqual(kept.count, 2, "\(kept)")
        XCTAssertFalse(kept.contains(runs[0]), "the oldest run is pruned")
        XCTAssertTrue(kept.contains(runs[1]), "the baseline of the third run is kept")
    }

    /// The issue's false alarm: a robustness `baseline` scored on other images gives no relative CE, and says why.
    func testARobustnessBaselineOnOtherImagesGivesNoRelativeCE() throws {
        let scratch = try PipelineScratch("review-baseline")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        func robustness(_ name: String, _ images: String, _ baseline: String) -> String {
            #"{"name": "\#(name)", "model": {"path": "tiny.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 24, "seed": 3}, "sections": {"summary": true, "robustness": {"corruptions": ["fog"], "severities": [2, 4], "images_per_corruption": \#(images)\#(baseline)}}, "seed": 5}"#
        }
        let first = scratch.run(try scratch.write(#"{"jobs": [\#(robustness("a", "12", ""))]}"#, to: "a.json"))
        XCTAssertEqual(first.code, 0, first.lines.joined(separator: "\n"))
        let run = try XCTUnwrap(scratch.runs("a").first)
        let baseline = #", "baseline": "reports/a/\#(run)/summary.json""#
        let config = #"{"jobs": [\#(robustness("same", "12", baseline)), \#(robustness("more", "24", baseline))]}"#
        let second = scratch.run(try scratch.write(config, to: "b.json"))
        XCTAssertEqual(second.code, 0, second.lines.joined(separator: "\n"))
        func numbers(_ job: String) throws -> SummaryValue? {
            try summary(scratch, job: job)["robustness"]
        }
        let same = try XCTUnwrap(numbers("same"))
        XCTAssertEqual(same["relative_mce"]?.doubleValue ?? .nan, 1, accuracy: 1e-5, "the same images against themselves: relative mCE 100 %")
        let more = try XCTUnwrap(numbers("more"))
        XCTAssertTrue(more["mce"]?.doubleValue?.isFinite ?? false, "the CE is still normalised by the baseline's errors")
        XCTAssertFalse(more["relative_mce"]?.doubleValue?.isFinite ?? false, "no relative mCE from different images (null)")
        XCTAssertTrue(more["per_corruption"]?.listValue?.allSatisfy { !($0["relative_ce"]?.doubleValue?.isFinite ?? false) } ?? false)
    }

    func testACriticalFindingTripsItsGateAndTheReportIsStillWritten() throws {
        let scratch = try PipelineScratch("review-gate")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        // The training data is the evaluated data: every image is a duplicate, a critical finding.
        let extra = #", "training_data": {"kind": "synthetic-shapes", "count": 24, "seed": 3}, "gates": {"critical_findings": true}"#
        let result = scratch.run(try scratch.write(job(extra), to: "g.json"))
        XCTAssertEqual(result.code, ExitCodes.gateTripped, result.lines.joined(separator: "\n"))
        XCTAssertTrue(result.lines.contains { $0.contains("gate critical_findings tripped") }, result.lines.joined(separator: "\n"))
        let run = try XCTUnwrap(scratch.runs("r").first)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.path("reports/r/\(run)/report.pdf")))
        let numbers = try summary(scratch, run)
        let finding = try XCTUnwrap(numbers["findings"]?.listValue?.first { $0["id"]?.textValue == "training-duplicates" })
        XCTAssertEqual(finding["severity"]?.textValue, "critical")
        XCTAssertEqual(finding["value"]?.doubleValue, 24)
        XCTAssertEqual(numbers["gates"]?.listValue?.first?["result"]?.textValue, "fail")
        // The PDF agrees: the title page names the gate, page 2 is Findings, the finding's page shows its section.
        let pdf = scratch.path("reports/r/\(run)/report.pdf")
        let titlePage = try pdfPageText(pdf, page: 1)
        XCTAssertTrue(titlePage.contains("1 review gate tripped") && titlePage.contains("critical_findings"), titlePage)
        XCTAssertTrue(try pdfPageText(pdf, page: 2).contains("Findings"))
        let page = Int(finding["page"]?.doubleValue ?? 0)
        XCTAssertGreaterThan(page, 2)
        XCTAssertTrue(try pdfPageText(pdf, page: page).contains("Run summary"), "page \(page)")
        let digest = try String(contentsOfFile: scratch.path("reports/r/\(run)/review.md"), encoding: .utf8)
        XCTAssertTrue(digest.contains("**FAIL** `critical_findings`") && digest.contains("p. \(page))"), digest)
    }
}
