import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeReportCairo
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// An in-memory dataset for tests (images N x C x H x W and labels).
struct MemoryDataset: Dataset {
    var name = "memory"
    var images: Tensor
    var labels: [Int]
    var classNames: [String]
    var count: Int { labels.count }
    var sampleShape: [Int] { Array(images.shape.dropFirst()) }
    var fingerprint: String { "memory" }
    func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        (Tensor.stacking(batches: indices.map { images.slice(batch: $0..<($0 + 1)) }), indices.map { labels[$0] })
    }
}

/// End to end: the CNN fixture on a few MNIST images (or the fixture input) through the gradients section.
final class GradientsSectionTests: XCTestCase {
    /// The CNN fixture, 64 MNIST test images when ../shared is beside the checkout, else the fixture's input rows.
    func makeContext() throws -> JobContext {
        guard let fixture = try Fixtures.cases("models").first(where: { $0.name == "cnn_opset17" }) else {
            throw XCTSkip("no cnn_opset17 fixture")
        }
        let path = try Fixtures.modelPath("models", fixture)
        let model = try Model(path: path)
        let dataset: any Dataset
        if let shared = sharedDirectory {
            let folder = shared.appendingPathComponent("data/mnist")
            let mnist = try IDXDataset(imagesPath: folder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path,
                                       labelsPath: folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path)
            dataset = SubsetDataset(mnist, indices: Array(0..<64))
        } else {
            let x = try Fixtures.array("models", fixture.inputs?["input"] ?? "")
            let images = Tensor.stacking(batches: Array(repeating: x, count: 4))
            dataset = MemoryDataset(images: images, labels: (0..<images.shape[0]).map { $0 % 10 },
                                    classNames: (0..<10).map(String.init))
        }
        return try SectionTestSupport.evaluatedContext(model: model, path: path, dataset: dataset, sections: ["gradients"])
    }

    func testSectionProducesBlocksNumbersAndPDF() throws {
        try checkSection(try makeContext(), pdfName: "loupe-gradients-section.pdf")
    }

    /// A random RGB CNN built in code on 32x32 synthetic shapes: colour inputs, ten classes.
    func testRGBModelOnSyntheticShapes() throws {
        let model = try SectionTestSupport.rgbCNN()
        let dataset = try SyntheticShapesDataset(count: 64, seed: 3)
        XCTAssertEqual(dataset.sampleShape, [3, 32, 32])
        try checkSection(try SectionTestSupport.evaluatedContext(model: model, dataset: dataset, sections: ["gradients"]),
                         pdfName: "loupe-gradients-rgb.pdf")
    }

    /// Runs the section with default options, checks its blocks, numbers and arrays, and renders a PDF.
    func checkSection(_ context: JobContext, pdfName: String) throws {
        let start = Date()
        let output = try GradientsSection().make(context)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(output.key, "gradients")
        XCTAssertEqual(output.sections.count, 1)
        let blocks = output.sections[0].blocks
        XCTAssertGreaterThanOrEqual(blocks.filter { if case .figure = $0 { return true } else { return false } }.count, 2)
        XCTAssertEqual(blocks.filter { if case .chart = $0 { return true } else { return false } }.count, 1)
        let json = output.numbers.json()
        for key in ["\"gallery\"", "\"layers\"", "\"confused_pairs\"", "\"parameter_norm_mean\"", "\"seconds_per_image\"",
                    "\"ig_relative_delta\"", "\"first_to_last_ratio\""] {
            XCTAssertTrue(json.contains(key), "summary lacks \(key)")
        }
        XCTAssertTrue(output.arrays.contains { $0.0 == "attribution_saliency" })
        XCTAssertTrue(output.arrays.contains { $0.0 == "display_grad_cam" })
        if !SampleChoice.confusedPairs(context.evaluation.confusion).isEmpty {
            XCTAssertTrue(output.arrays.contains { $0.0.hasPrefix("confused_grad_cam_") })
        }
        // Four Conv/Gemm layers in the CNN fixture, all with finite positive norms.
        let layers = LayerGradientStatistics.layers(of: context.model)
        XCTAssertGreaterThanOrEqual(layers.count, 2)
        let document = Document(title: "Gradients section", date: Date(timeIntervalSince1970: 0), sections: output.sections)
        let pdf = NSTemporaryDirectory() + pdfName
        _ = try CairoPDFRenderer().render(document, to: pdf)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pdf))
        print("gradients section: \(String(format: "%.2f", seconds)) s on \(context.dataset.count) images; PDF at \(pdf)")
        print(json.prefix(4000))
    }

    /// The optional methods run too, and a section with no confusions or layers still renders prose.
    func testOptionalMethods() throws {
        let context = try makeContext()
        var options = GradientsOptions()
        options.methods = ["input-x-gradient", "deconvnet", "grad-cam-plus-plus", "score-cam"]
        options.sampleCount = 2
        options.statisticsImages = 8
        options.confusedPairs = 1
        let output = try GradientsSection(options: options).make(context)
        let json = output.numbers.json()
        for method in options.methods { XCTAssertTrue(json.contains("\"\(method)\""), "summary lacks \(method)") }
        XCTAssertTrue(output.arrays.contains { $0.0 == "display_score_cam" })
        XCTAssertTrue(output.arrays.contains { $0.0 == "attribution_deconvnet" })
        context.evaluation.predictions = context.evaluation.labels
        options.methods = []
        let quiet = try GradientsSection(options: options).make(context)
        XCTAssertTrue(quiet.numbers.json().contains("\"confused_pairs\": []"))
    }

    func testOptionsValidationAndOcclusionGeometry() throws {
        var options = GradientsOptions()
        XCTAssertEqual(options.occlusionGeometry(height: 28, width: 28).window, 4)
        XCTAssertEqual(options.occlusionGeometry(height: 32, width: 32).stride, 2)
        XCTAssertEqual(options.occlusionGeometry(height: 224, width: 224).window, 32)
        try options.validate()
        options.methods = ["saliency", "no-such-method"]
        XCTAssertThrowsError(try options.validate()) { XCTAssertTrue(String(describing: $0).contains("no-such-method")) }
        options = GradientsOptions(); options.integratedGradientsSteps = 0
        XCTAssertThrowsError(try options.validate())
    }
}
