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
    var repository: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// The CNN fixture, 64 MNIST test images when /work/shared is present, else the fixture's input rows.
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
        return try makeContext(model: model, path: path, dataset: dataset)
    }

    /// A job context with the evaluation filled from one pass of `model` over `dataset`.
    func makeContext(model: Model, path: String, dataset: any Dataset) throws -> JobContext {
        let classifier = try Classifier(model: model)
        let evaluation = try Evaluation.measure(classifier, over: dataset, classCount: dataset.classNames.count,
                                                batchSize: 32)
        let job = JobConfig(name: "test", modelPath: path, inputName: nil, preprocessing: PreprocessingConfig(),
                            classNames: nil, dataset: DatasetConfig(kind: "mnist-idx"), sections: ["gradients"], seed: 1,
                            outputFolder: "/tmp", templatesFolder: nil, pageSize: "a4", batchSize: 32,
                            writeArrays: false, writeFigures: false)
        let templates = try TemplateRenderer(folders: [repository.appendingPathComponent("Templates").path])
        return JobContext(job: job, model: model, classifier: classifier, dataset: dataset, classNames: dataset.classNames,
                          templates: templates, evaluation: evaluation, log: { _ in })
    }

    func testSectionProducesBlocksNumbersAndPDF() throws {
        try checkSection(try makeContext(), pdfName: "loupe-gradients-section.pdf")
    }

    /// A random RGB CNN built in code on 32x32 synthetic shapes: colour inputs, ten classes.
    func testRGBModelOnSyntheticShapes() throws {
        var random = TestRandom(seed: 11)
        var b = GraphBuilder()
        b.parameter("W1", random.tensor([8, 3, 3, 3], in: -0.4...0.4)); b.parameter("B1", random.tensor([8], in: -0.1...0.1))
        b.parameter("W2", random.tensor([16, 8, 3, 3], in: -0.2...0.2)); b.parameter("B2", random.tensor([16], in: -0.1...0.1))
        b.parameter("W3", random.tensor([10, 16], in: -0.5...0.5)); b.parameter("B3", random.tensor([10], in: -0.1...0.1))
        let conv: [String: AttributeValue] = ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]
        let c1 = b.add("Conv", ["x", "W1", "B1"], conv)
        let p1 = b.add("MaxPool", [b.add("Relu", [c1])], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        let r2 = b.add("Relu", [b.add("Conv", [p1, "W2", "B2"], conv)])
        let flat = b.add("Flatten", [b.add("GlobalAveragePool", [r2])])
        b.add("Gemm", [flat, "W3", "B3"], ["transB": .int(1)], output: "logits")
        let model = try b.model(sampleShape: [3, 32, 32], output: "logits")
        let dataset = try SyntheticShapesDataset(count: 64, seed: 3)
        XCTAssertEqual(dataset.sampleShape, [3, 32, 32])
        try checkSection(try makeContext(model: model, path: "test.onnx", dataset: dataset), pdfName: "loupe-gradients-rgb.pdf")
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
