import Foundation
import LoupeReport
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// The features section's options (reader, validation, schema) and two small end-to-end runs.
final class FeaturesSectionTests: XCTestCase {
    func job(_ sections: String, extra: String = "", scratch: PipelineScratch) throws -> String {
        let model = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        return try scratch.write("""
        {"jobs": [{"name": "f", "model": {"path": "\(model)"}, "dataset": {"kind": "synthetic-shapes", "count": 40}, \(extra)
                   "sections": \(sections), "output": "\(scratch.path("reports"))"}]}
        """, to: "config.json")
    }

    func testReaderReadsOptionsAndTrainingData() throws {
        let scratch = try PipelineScratch("features-read")
        let path = try job(#"{"features": {"units": 4, "decay": 0.05, "blur_width": 1, "jitter": 0, "class_l2": 0.2, "layers": ["flat"], "data_randomisation": {"budget_seconds": 5, "max_steps": 7, "samples": 3}}}"#,
                           extra: #""training_data": {"kind": "synthetic-shapes", "count": 64, "seed": 3},"#, scratch: scratch)
        let job = try XCTUnwrap(try LoupeConfig.load(path: path).jobs.first)
        XCTAssertEqual(job.sections, ["summary", "features"])
        XCTAssertEqual(job.features.units, 4)
        XCTAssertEqual(job.features.decay, 0.05)
        XCTAssertEqual(job.features.blurWidth, 1)
        XCTAssertEqual(job.features.jitter, 0)
        XCTAssertEqual(job.features.classL2, 0.2)
        XCTAssertEqual(job.features.layers, ["flat"])
        XCTAssertEqual(job.features.randomisation.budgetSeconds, 5)
        XCTAssertEqual(job.features.randomisation.maxSteps, 7)
        XCTAssertEqual(job.features.randomisation.samples, 3)
        XCTAssertEqual(job.trainingData?.count, 64)
        XCTAssertEqual(job.trainingData?.seed, 3)
    }

    func testBadOptionsAreReportedWithTheirPaths() throws {
        let scratch = try PipelineScratch("features-bad")
        let path = try job(#"{"features": {"decay": 1.5, "blur_widht": 1, "units": 0, "data_randomisation": {"samples": 0, "budget_seconds": -1}}}"#,
                           extra: #""training_data": {"kind": "nope"},"#, scratch: scratch)
        XCTAssertThrowsError(try LoupeConfig.load(path: path)) { error in
            let message = String(describing: error)
            for expected in ["jobs[0].sections.features.decay", "jobs[0].sections.features.blur_widht: unknown key; did you mean 'blur_width'?",
                             "sections.features.units", "data_randomisation.samples", "data_randomisation.budget_seconds",
                             "jobs[0].training_data.kind"] {
                XCTAssertTrue(message.contains(expected), "\(expected) missing from: \(message)")
            }
        }
    }

    func testValidateRejectsOutOfRangeOptions() {
        var options = FeaturesOptions()
        XCTAssertNoThrow(try options.validate())
        options.normPercentile = 100
        XCTAssertThrowsError(try options.validate())
        options = FeaturesOptions()
        options.randomisation.learningRate = 0
        XCTAssertThrowsError(try options.validate())
        options = FeaturesOptions()
        options.maxClasses = 0
        XCTAssertThrowsError(try options.validate())
        options = FeaturesOptions()
        options.layers = []
        XCTAssertThrowsError(try options.validate())
    }

    func testPublishedSchemaListsTheFeatureKeys() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.schema.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let job = ((object?["properties"] as? [String: Any])?["jobs"] as? [String: Any])?["items"] as? [String: Any]
        let sections = ((job?["properties"] as? [String: Any])?["sections"] as? [String: Any])?["properties"] as? [String: Any]
        let features = ((sections?["features"] as? [String: Any])?["oneOf"] as? [Any])?.last as? [String: Any]
        let keys = (features?["properties"] as? [String: Any])?.keys.sorted()
        XCTAssertEqual(keys, FeaturesOptions.keyNames.sorted())
        let randomisation = ((features?["properties"] as? [String: Any])?["data_randomisation"] as? [String: Any])?["oneOf"] as? [Any]
        XCTAssertEqual(((randomisation?.last as? [String: Any])?["properties"] as? [String: Any])?.keys.sorted(),
                       DataRandomisationOptions.keys.map(\.name).sorted())
        XCTAssertNotNil((job?["properties"] as? [String: Any])?["training_data"])
    }

    func testRunWithoutTrainingDataSaysTheTestWasNotRun() throws {
        let scratch = try PipelineScratch("features-run")
        let path = try job(#"{"features": {"iterations": 5, "class_iterations": 5, "units": 2}}"#, scratch: scratch)
        XCTAssertEqual(scratch.run(path).code, 0)
        let run = try XCTUnwrap(scratch.runs("f").first)
        let summary = try String(contentsOfFile: scratch.path("reports/f/\(run)/summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"reason\": \"the job gives no training data"), summary)
        XCTAssertTrue(summary.contains("\"class_models\""))
        XCTAssertFalse(summary.contains("\"seconds\""), "timings stay out of summary.json")
    }

    func testRunWithTrainingDataRetrainsWithinTheStepCap() throws {
        let scratch = try PipelineScratch("features-train")
        let path = try job(#"{"features": {"class_models": false, "regularised_classes": false, "units": 2, "iterations": 3, "data_randomisation": {"max_steps": 3, "samples": 2}}}"#,
                           extra: #""training_data": {"kind": "synthetic-shapes", "count": 64, "seed": 5},"#, scratch: scratch)
        XCTAssertEqual(scratch.run(path).code, 0)
        let run = try XCTUnwrap(scratch.runs("f").first)
        let summary = try String(contentsOfFile: scratch.path("reports/f/\(run)/summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"run\": true"), summary)
        XCTAssertTrue(summary.contains("\"steps\": 3"), summary)
        XCTAssertTrue(summary.contains("\"training_images\": 64"), summary)
    }

    func testReadingGuideListsCaveatsOfTheSectionsThatRan() throws {
        let templates = try TemplateRenderer(folder: try defaultTemplatesFolder())
        func text(_ sections: [String]) throws -> String {
            String(describing: try ReadingGuide.section(templates: templates, sections: sections).blocks)
        }
        let plain = try text(["summary", "gradients"])
        XCTAssertTrue(plain.contains("Sanity checks for saliency maps"))
        XCTAssertTrue(plain.contains("predict which images the model will get wrong"))
        XCTAssertFalse(plain.contains("t-SNE map"))
        XCTAssertTrue(try text(["summary", "embeddings"]).contains("t-SNE map"))
    }
}
