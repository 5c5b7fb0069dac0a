import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeONNX
import LoupeReport
import LoupeReportCairo
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// The sanity section end to end on small models, and its config keys.
final class SanitySectionTests: XCTestCase {
    func rgbModel() throws -> Model { try SectionTestSupport.rgbCNN() }

    func makeContext(model: Model, path: String, dataset: any Dataset) throws -> JobContext {
        try SectionTestSupport.evaluatedContext(model: model, path: path, dataset: dataset, sections: ["sanity"])
    }

    func testSectionProducesVerdictsChartsNumbersAndPDF() throws {
        let model = try rgbModel()
        let before = model.graph.initializers
        let context = try makeContext(model: model, path: "test.onnx",
                                                                dataset: try SyntheticShapesDataset(count: 24, seed: 3))
        var options = SanityOptions()
        options.sampleCount = 3
        options.methods = ["saliency", "guided-backprop", "grad-cam", "integrated-gradients"]
        options.integratedGradientsSteps = 4
        options.faithfulnessSteps = 8
        let output = try SanitySection(options: options).make(context)
        XCTAssertEqual(output.key, "sanity")
        for (name, value) in before { XCTAssertEqual(model.graph.initializers[name], value, "\(name) changed") }
        let blocks = output.sections[0].blocks
        let callouts = blocks.compactMap { block -> Callout? in if case .callout(let c) = block { return c } else { return nil } }
        for method in ["Saliency", "Guided Backprop", "Grad-CAM", "Integrated Gradients"] {
            XCTAssertTrue(callouts.contains { $0.title.hasPrefix(method + ":") }, "no verdict box for \(method)")
        }
        // 4 cascading + 2 independent + deletion + insertion charts; the map figure.
        XCTAssertEqual(blocks.filter { if case .chart = $0 { return true } else { return false } }.count, 8)
        XCTAssertEqual(blocks.filter { if case .figure = $0 { return true } else { return false } }.count, 1)
        let json = output.numbers.json()
        for key in ["\"cascading\"", "\"independent\"", "\"faithfulness\"", "\"random_logit\"", "\"verdicts\"", "\"thresholds\"",
                    "\"final_ssim\"", "\"deletion_auc\"", "\"top_layer_ssim\"", "\"random_order\""] {
            XCTAssertTrue(json.contains(key), "summary lacks \(key)")
        }
        // Three layers: three cascade steps after the original.
        guard case .object(let entries) = output.numbers, case .object(let cascading)? = entries.first(where: { $0.0 == "cascading" })?.1,
              case .object(let saliency)? = cascading.first(where: { $0.0 == "saliency" })?.1,
              case .object(let ssim)? = saliency.first(where: { $0.0 == "ssim" })?.1,
              case .list(let means)? = ssim.first(where: { $0.0 == "mean" })?.1 else { return XCTFail("no cascading.saliency.ssim.mean") }
        XCTAssertEqual(means.count, 4)
        XCTAssertEqual(means.first, SummaryValue.number(1))
        let document = Document(title: "Sanity section", date: Date(timeIntervalSince1970: 0), sections: output.sections)
        let pdf = NSTemporaryDirectory() + "loupe-sanity-section.pdf"
        _ = try CairoPDFRenderer().render(document, to: pdf)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pdf))
    }

    /// A model without a spatial layer: Grad-CAM is left out with a note; 8x8 inputs shrink the SSIM window and HOG cells.
    func testModelWithoutCAMLayer() throws {
        let scratch = try PipelineScratch("sanity")
        let path = try scratch.writeTinyModel("tiny.onnx", classes: 4)
        let model = try Model(path: path)
        var random = TestRandom(seed: 2)
        let dataset = MemoryDataset(images: random.tensor([6, 3, 8, 8], in: 0...1), labels: [0, 1, 2, 3, 0, 1],
                                    classNames: ["a", "b", "c", "d"])
        let context = try makeContext(model: model, path: path, dataset: dataset)
        var options = SanityOptions()
        options.sampleCount = 2
        options.methods = ["saliency", "grad-cam"]
        options.faithfulnessSteps = 4
        let output = try SanitySection(options: options).make(context)
        let titles = output.sections[0].blocks.compactMap { block -> String? in if case .callout(let c) = block { return c.title } else { return nil } }
        XCTAssertTrue(titles.contains("No Grad-CAM for this model"))
        XCTAssertFalse(titles.contains { $0.hasPrefix("Grad-CAM:") })
        XCTAssertTrue(titles.contains { $0.hasPrefix("Saliency:") })
    }

    /// Adebayo et al.'s finding on the trained demo model: after randomising the top layer, Guided Backprop's
    /// maps stay similar (SSIM ≥ 0.5) while the gradient's and Grad-CAM's decorrelate.
    func testGuidedBackpropSurvivesTopLayerRandomisationOnTheDemoModel() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let classifier = try Classifier(model: try Model(path: repository.appendingPathComponent("Demo/shapes-cnn.onnx").path))
        let (images, _) = try SyntheticShapesDataset(count: 40, seed: 7).batch([0, 11, 22, 33])
        let targets = try classifier.targets(.predicted, scores: try classifier.scores(images))
        let result = try ModelRandomisationTest.run(classifier, images: images, targets: targets,
                                                    methods: [.saliency, .guidedBackprop, .gradCAM], settings: SanityMethodSettings(),
                                                    maxSteps: 10, independent: false, seed: 1)
        XCTAssertEqual(result.layers.map(\.name), ["conv1", "conv2", "conv3", "fc"])
        func topSSIM(_ method: SanityMethod) -> Double {
            SanitySection.mean(result.curves.first { $0.method == method }?.cascade[1] ?? [], "ssim")
        }
        XCTAssertGreaterThanOrEqual(topSSIM(.guidedBackprop), 0.5)
        XCTAssertLessThan(topSSIM(.saliency), 0.5)
        XCTAssertLessThan(topSSIM(.gradCAM), 0.5)
    }

    /// A model with no weights to randomise gets a note instead of failing the job.
    func testModelWithoutWeightsIsSkippedWithANote() throws {
        var b = GraphBuilder()
        let flat = b.add("Flatten", [b.add("GlobalAveragePool", ["x"])], ["axis": .int(1)])
        b.add("Relu", [flat], output: "logits")
        let model = try b.model(sampleShape: [3, 8, 8], output: "logits")
        var random = TestRandom(seed: 4)
        let dataset = MemoryDataset(images: random.tensor([4, 3, 8, 8], in: 0...1), labels: [0, 1, 2, 0], classNames: ["a", "b", "c"])
        let output = try SanitySection().make(try makeContext(model: model, path: "test.onnx", dataset: dataset))
        XCTAssertTrue(output.numbers.json().contains("\"skipped\""))
        guard case .callout(let callout)? = output.sections.first?.blocks.first else { return XCTFail("no note") }
        XCTAssertEqual(callout.title, "Sanity checks not run")
    }

    func testConfigReadsSanityOptionsAndTheSchemaListsThem() throws {
        let scratch = try PipelineScratch("sanity-config")
        let path = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"sanity": {"samples": 4, "methods": ["saliency", "grad-cam"], "max_steps": 3, "independent": false, "ssim_threshold": 0.4}}}]}"#, to: "c.json")
        _ = try scratch.write("", to: "m.onnx")
        let job = try XCTUnwrap(try LoupeConfig.load(path: path).jobs.first)
        XCTAssertEqual(job.sections, ["summary", "sanity"])
        XCTAssertEqual(job.sanity.sampleCount, 4)
        XCTAssertEqual(job.sanity.methods, ["saliency", "grad-cam"])
        XCTAssertEqual(job.sanity.maxSteps, 3)
        XCTAssertFalse(job.sanity.independent)
        XCTAssertEqual(job.sanity.thresholds.ssim, 0.4)
        let bad = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"sanity": {"methods": ["guided-backprob"], "max_step": 2}}}]}"#, to: "bad.json")
        XCTAssertThrowsError(try LoupeConfig.load(path: bad)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("sections.sanity.methods[0]") && message.contains("did you mean 'guided-backprop'"), message)
            XCTAssertTrue(message.contains("did you mean 'max_steps'"), message)
        }
        // The published schema lists exactly the keys the reader accepts.
        let url = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config.schema.json")
        let schema = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let jobs = (schema["properties"] as? [String: Any])?["jobs"] as? [String: Any]
        let sections = ((jobs?["items"] as? [String: Any])?["properties"] as? [String: Any])?["sections"] as? [String: Any]
        let sanity = (sections?["properties"] as? [String: Any])?["sanity"] as? [String: Any]
        let object = (sanity?["oneOf"] as? [[String: Any]])?.first { $0["type"] as? String == "object" }
        XCTAssertEqual(((object?["properties"] as? [String: Any])?.keys.sorted()) ?? [], SanityOptions.keyNames.sorted())
    }
}
