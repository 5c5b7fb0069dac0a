import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeONNX
@testable import LoupePipeline
import LoupeReport
import LoupeReportCairo
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Random gray images with cycling labels, for section tests that need a dataset but not real data.
struct NoiseImages: Dataset {
    var name = "noise"
    var count: Int
    var sampleShape: [Int]
    var classNames = (0..<10).map(String.init)
    var labels: [Int] { (0..<count).map { $0 % 10 } }
    var fingerprint: String { "noise-\(count)" }

    func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        let plane = sampleShape.reduce(1, *)
        var values = [Float](repeating: 0, count: indices.count * plane)
        for (i, index) in indices.enumerated() {
            var random = TestRandom(seed: UInt64(index + 1))
            for p in 0..<plane { values[i * plane + p] = random.uniform() * 0.5 + 0.5 }
        }
        return (Tensor(shape: [indices.count] + sampleShape, scalars: values), indices.map { $0 % 10 })
    }
}

/// Builders shared by the section tests.
enum SectionTestSupport {
    static var templatesFolder: String {
        fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Templates").path
    }

    static func job(model: String, sections: [String]) -> JobConfig {
        JobConfig(name: "test", modelPath: model, inputName: nil, preprocessing: PreprocessingConfig(), classNames: nil,
                  dataset: DatasetConfig(kind: "npy"), sections: sections, seed: 3, outputFolder: "/tmp", templatesFolder: nil,
                  pageSize: "a4", batchSize: 32, writeArrays: false, writeFigures: false)
    }

    static func context(fixture name: String, dataset: any Dataset, sections: [String]) throws -> JobContext {
        let fixture = try XCTUnwrap(try Fixtures.cases("models").first { $0.name == name })
        let path = try Fixtures.modelPath("models", fixture)
        let model = try Model(path: path)
        return JobContext(job: job(model: path, sections: sections), model: model, classifier: try Classifier(model: model),
                          dataset: dataset, classNames: dataset.classNames,
                          templates: try TemplateRenderer(folder: templatesFolder), evaluation: Evaluation(), log: { _ in })
    }

    /// A job context with the evaluation pass done over `dataset`, as `JobRunner` prepares it.
    static func evaluatedContext(model: Model, path: String = "test.onnx", dataset: any Dataset, sections: [String],
                                 preprocessing: PreprocessingConfig = PreprocessingConfig(), seed: Int = 1,
                                 batchSize: Int = 32) throws -> JobContext {
        let classifier = try Classifier(model: model)
        let evaluation = try Evaluation.measure(classifier, over: dataset, classCount: dataset.classNames.count)
        var job = self.job(model: path, sections: sections)
        job.preprocessing = preprocessing
        job.seed = seed
        job.batchSize = batchSize
        return JobContext(job: job, model: model, classifier: classifier, dataset: dataset, classNames: dataset.classNames,
                          templates: try TemplateRenderer(folder: templatesFolder), evaluation: evaluation, log: { _ in })
    }

    /// A random RGB CNN for 32x32 inputs: Conv → Relu → MaxPool → Conv → Relu → GAP → Gemm, ten classes.
    static func rgbCNN() throws -> Model {
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
        return try b.model(sampleShape: [3, 32, 32], output: "logits")
    }

    /// The keys of an object summary.
    static func keys(_ value: SummaryValue) -> [String] {
        if case .object(let entries) = value { return entries.map(\.0) }
        return []
    }

    static func figureCount(_ output: SectionOutput) -> Int {
        output.sections.flatMap(\.blocks).filter { if case .figure = $0 { return true }; return false }.count
    }
}

final class WeightsSectionTests: XCTestCase {
    func testCNNWeightsPages() throws {
        let context = try SectionTestSupport.context(fixture: "cnn_opset17", dataset: NoiseImages(count: 8, sampleShape: [1, 28, 28]),
                                                     sections: ["weights"])
        let output = try WeightsSection().make(context)
        XCTAssertEqual(output.key, "weights")
        let keys = SectionTestSupport.keys(output.numbers)
        XCTAssertTrue(keys.contains("first_conv"))
        XCTAssertTrue(keys.contains("layers"))
        XCTAssertGreaterThanOrEqual(SectionTestSupport.figureCount(output), 3)
        XCTAssertTrue(output.arrays.contains { $0.0 == "first_conv_filters" && $0.1.rank == 4 })
        XCTAssertTrue(output.numbers.json().contains("\"near_zero_fraction\""))
    }

    func testMLPTemplatesPage() throws {
        let context = try SectionTestSupport.context(fixture: "mlp_8x8", dataset: NoiseImages(count: 4, sampleShape: [1, 8, 8]),
                                                     sections: ["weights"])
        let output = try WeightsSection().make(context)
        XCTAssertTrue(SectionTestSupport.keys(output.numbers).contains("image_templates"))
        let templates = try XCTUnwrap(output.arrays.first { $0.0 == "fc_templates" }?.1)
        XCTAssertEqual(templates.shape, [32, 1, 8, 8])
        _ = try CairoPDFRenderer().render(Document(title: "MLP weights", sections: output.sections), to: "/tmp/loupe-wa-mlp.pdf")
    }
}
