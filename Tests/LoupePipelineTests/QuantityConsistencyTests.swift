import Foundation
@testable import LoupePipeline
import LoupeReport
import LoupeTestSupport
import XCTest

/// One quantity, one printed form: the clean accuracy reads the same on the title page, in the summary
/// facts, in the prose and in the gradients section, and the confident-mistakes gallery is laid out.
final class QuantityConsistencyTests: XCTestCase {
    func testAccuracyPrintsTheSameEverywhereInTheReport() throws {
        let scratch = try PipelineScratch("quantity-consistency")
        let model = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write("""
        {"jobs": [{"name": "q", "model": {"path": "\(model)"}, "dataset": {"kind": "synthetic-shapes", "count": 40},
                   "sections": {"summary": true, "gradients": {"samples": 2, "methods": ["saliency"], "confused_pairs": 0,
                                "confident_mistakes": 2, "statistics_images": 8}},
                   "output": "\(scratch.path("reports"))"}]}
        """, to: "config.json")
        XCTAssertEqual(scratch.run(config).code, 0)
        let run = try XCTUnwrap(scratch.runs("q").first)
        let summary = try String(contentsOfFile: scratch.path("reports/q/\(run)/summary.json"), encoding: .utf8)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        let sections = try XCTUnwrap(json["sections"] as? [String: Any] ?? json as [String: Any]?)
        let accuracy = try XCTUnwrap(((sections["summary"] as? [String: Any]) ?? (json["summary"] as? [String: Any]))?["accuracy"] as? Double)
        let pdf = scratch.path("reports/q/\(run)/report.pdf")
        var text = ""
        for page in 1...80 {
            let pageText = try pdfPageText(pdf, page: page)
            if pageText.isEmpty { break }
            text += pageText + "\n"
        }
        let expected = Quantity.accuracy.format(accuracy)
        let occurrences = text.components(separatedBy: expected).count - 1
        XCTAssertGreaterThanOrEqual(occurrences, 3, "title page, summary facts and prose all print \(expected)")
        for other in [String(format: "%.2f%%", accuracy * 100), String(format: "%.0f%%", accuracy * 100),
                      String(format: "%.1f %%", accuracy * 100)] where other != expected {
            XCTAssertFalse(text.contains(" " + other), "accuracy printed another way: \(other)")
        }
        XCTAssertTrue(text.contains("The most confident mistakes"), "the confident-mistakes gallery is in the report")
    }
}
