import Foundation
import LoupeONNX
import LoupeReport
import LoupeReportTestSupport
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// A model whose last layer holds NaN and +∞ weights, with every section on (issue 19): the report
/// finishes, says which tensor holds how many non-finite values and that what is computed from them is
/// not finite, and no non-finite number reaches the drawing layer: no NaN coordinate, no "nan" or "inf"
/// tick label, colour-bar label or prose, and a table cell prints NaN or ∞ only on a page that explains it.
final class NonFiniteWeightsReportTests: XCTestCase {
    /// The demo model with `fc.weight` poisoned: two NaN and one +∞ (of 320 values).
    func writePoisonedModel(_ scratch: PipelineScratch) throws -> String {
        var graph = try ModelLoader.load(path: repositoryRoot.appendingPathComponent("Demo/shapes-cnn.onnx").path)
        guard case .float(let weights)? = graph.initializers["fc.weight"] else { throw XCTSkip("the demo model has no fc.weight") }
        var scalars = weights.scalars
        scalars[2 * 32 + 5] = .nan
        scalars[4 * 32 + 7] = .infinity
        scalars[7 * 32 + 1] = .nan
        graph.initializers["fc.weight"] = .float(Tensor(shape: weights.shape, scalars: scalars))
        let path = scratch.path("poisoned.onnx")
        try ModelWriter.write(graph, to: path, producer: "loupe-tests")
        return path
    }

    var repositoryRoot: URL { fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent() }

    /// Every section, small enough for a debug build.
    static let sections = """
        {"summary": true, "weights": true, "activations": true,
         "gradients": {"samples": 2, "confused_pairs": 1, "statistics_images": 32},
         "sanity": {"max_steps": 3, "faithfulness_steps": 5},
         "robustness": {"corruptions": ["gaussian_noise", "contrast"], "severities": [1, 5], "images_per_corruption": 32},
         "embeddings": {"points": 48, "methods": ["pca"]},
         "features": {"units": 2, "iterations": 10, "class_iterations": 10, "max_classes": 3,
                      "data_randomisation": {"budget_seconds": 2, "max_steps": 2, "samples": 2}}}
        """

    func testEverySectionOfAModelWithNonFiniteWeights() throws {
        let scratch = try PipelineScratch("non-finite")
        let model = try writePoisonedModel(scratch)
        let classes = repositoryRoot.appendingPathComponent("Demo/classes.txt").path
        let configPath = try scratch.write("""
            {"jobs": [{"name": "poisoned", "model": {"path": "\(model)"}, "classes": {"file": "\(classes)"},
              "dataset": {"kind": "synthetic-shapes", "count": 48, "seed": 7},
              "training_data": {"kind": "synthetic-shapes", "count": 48, "seed": 11},
              "sections": \(Self.sections), "seed": 1, "batch_size": 16, "output": "\(scratch.path("reports"))"}]}
            """, to: "config.json")
        let config = try LoupeConfig.load(path: configPath)
        let job = try XCTUnwrap(config.jobs.first)
        var runner = JobRunner(job: job, config: config, log: RunLog(quiet: true, sink: { _ in }), environment: [:])
        var captured: (Document, PageSize)?
        runner.documentObserver = { captured = ($0, $1) }
        let folder = try runner.run()
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/report.pdf"))

        // summary.json names the tensor, its counts, and says that what is computed from it is not finite.
        let summary = try RunSnapshot.readJSON(folder + "/summary.json")
        let entry = try XCTUnwrap(summary["summary"]?["non_finite_weights"]?["tensors"]?.listValue?.first, "no non_finite_weights in summary.json")
        XCTAssertEqual(entry["tensor"]?.textValue, "fc.weight")
        XCTAssertEqual(entry["node"]?.textValue, "fc")
        XCTAssertEqual(entry["nan"], .integer(2))
        XCTAssertEqual(entry["positive_infinity"], .integer(1))
        XCTAssertEqual(entry["negative_infinity"], .integer(0))
        XCTAssertEqual(entry["values"], .integer(320))
        let jsonNote = summary["summary"]?["non_finite_weights"]?["note"]?.textValue ?? ""
        XCTAssertTrue(jsonNote.contains("not finite"), jsonNote)

        // The same document, drawn on a recording canvas.
        let (document, pageSize) = try XCTUnwrap(captured)
        let canvas = RecordingCanvas()
        try DocumentRenderer(pageSize: pageSize).render(document, on: canvas)
        XCTAssertEqual(canvas.nonFiniteGeometry, [], "a NaN or infinite coordinate was drawn")
        let texts = canvas.allTexts
        XCTAssertTrue(texts.contains { $0.text.contains("fc.weight (node fc) holds 2 NaN and 1 +∞ of its 320 values") },
                      "the report does not say which tensor holds the non-finite values")
        XCTAssertEqual(texts.filter { Self.spellsNonFinite($0.text) }.map { "page \($0.page): \($0.text.prefix(160))" }, [],
                       "a non-finite number printed as text")
        XCTAssertEqual(Self.unexplainedCells(texts), [], "NaN or ∞ in a table without the note under it")

        // And the PDF itself, where poppler is installed.
        guard let pdfText = try pdfToText(folder + "/report.pdf") else { return }
        XCTAssertEqual(pdfText.split(separator: "\n").filter { Self.spellsNonFinite(String($0)) }.prefix(10), [],
                       "a non-finite number printed in the PDF")
    }

    /// Whether `text` holds a number printed by `String(format:)` or `description` as NaN or infinity
    /// ("nan", "-nan", "inf", "nan%", "NaN ± NaN"), as opposed to the word NaN in a sentence or a lone table cell.
    static func spellsNonFinite(_ text: String) -> Bool {
        let words = text.split { $0.isWhitespace || "()[],;:/=".contains($0) }.map(String.init)
        for (i, word) in words.enumerated() {
            let bare = word.trimmingCharacters(in: CharacterSet(charactersIn: "-−+%."))
            if ["nan", "inf", "infinity"].contains(bare) { return true }
            // "NaN ± NaN", "NaN%" or "NaN → NaN": a number slot, not prose.
            if bare == "NaN" && (word != bare || words.indices.contains(i + 1) && ["±", "→", "%"].contains(words[i + 1])) { return true }
        }
        return false
    }

    /// Table cells (texts drawn alone) that print NaN or ∞ with no `DataTable.nonFiniteNote` after them
    /// before the next table caption or the end.
    static func unexplainedCells(_ texts: [(page: Int, text: String)]) -> [String] {
        var pending = [String](), unexplained = [String]()
        for (page, text) in texts {
            if text.hasPrefix(DataTable.nonFiniteNote) { pending = [] }
            if text.hasPrefix("Table. ") { unexplained += pending; pending = [] }
            if ["NaN", "∞", "−∞"].contains(text) { pending.append("page \(page): \(text)") }
        }
        return unexplained + pending
    }
}
