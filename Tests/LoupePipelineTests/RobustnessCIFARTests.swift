import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// Loupe's corruptions through the trained CIFAR model vs the imagecorruptions 1.1.2 reference accuracies.
///
/// The full comparison (all 19 corruptions × 5 severities on the 1,000 images) takes minutes and lives in
/// `Benchmarks/robustness_vs_imagecorruptions.sh`. This test runs three corruptions at one severity each on the
/// same 1,000 images (ImageNet profile = the size-generalised imagecorruptions algorithms at 32x32) and requires
/// agreement within 3 accuracy points, the criterion of the full comparison.
final class RobustnessCIFARTests: XCTestCase {
    func testAccuracyMatchesImagecorruptionsOnCIFAR() throws {
        guard let shared = sharedDirectory else {
            throw XCTSkip("needs ../shared/data/cifar10 (the 1,000 CIFAR-10 test images) beside the checkout")
        }
        let data = shared.appendingPathComponent("data/cifar10/test_batch_part1.bin").path
        let modelPath = fixturesDirectory.appendingPathComponent("models/cifar_cnn.onnx").path
        let referencePath = fixturesDirectory.appendingPathComponent("robustness/cifar_reference_accuracy.json")
        guard FileManager.default.fileExists(atPath: data), FileManager.default.fileExists(atPath: modelPath) else {
            throw XCTSkip("needs \(data) and \(modelPath)")
        }
        guard case .object(let reference) = try JSONValue.parse(Data(contentsOf: referencePath)),
              case .object(let accuracy)? = reference["accuracy"] else { return XCTFail("unreadable reference file") }
        let dataset = try CIFARDataset(paths: [data], variant: .cifar10, preprocessing: Preprocessing(channels: 3))
        XCTAssertEqual(dataset.count, 1000)
        let model = try Model(path: modelPath)
        var evaluation = Evaluation()
        evaluation.classCount = 10
        let job = JobConfig(name: "cifar", modelPath: modelPath, inputName: nil, preprocessing: PreprocessingConfig(), classNames: nil,
                            dataset: DatasetConfig(kind: "cifar10"), sections: ["robustness"], seed: 0, outputFolder: "/tmp",
                            templatesFolder: nil, pageSize: "a4", batchSize: 100, writeArrays: false, writeFigures: false)
        let templates = try TemplateRenderer(folders: [fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates").path])
        let context = JobContext(job: job, model: model, classifier: try Classifier(model: model), dataset: dataset,
                                 classNames: dataset.classNames, templates: templates, evaluation: evaluation, log: { _ in })
        // One random (noise), one deterministic (blur) and one per-pixel (contrast) corruption.
        let cells: [(String, Int)] = [("gaussian_noise", 3), ("defocus_blur", 2), ("contrast", 4)]
        let started = Date()
        for (name, severity) in cells {
            var options = RobustnessOptions()
            options.corruptions = [name]
            options.severities = [severity]
            options.imagesPerCorruption = 0
            options.profile = .imagenet
            let result = try RobustnessSection(options: options).compute(context)
            guard case .array(let row)? = accuracy[name], case .number(let expected) = row[severity - 1] else {
                return XCTFail("no reference for \(name)")
            }
            let measured = result.cells[0][0].accuracy
            print(String(format: "%@ s%d: loupe %.1f%%, imagecorruptions %.1f%% (Δ %+.1f points)", name, severity, 100 * measured,
                         100 * expected, 100 * (measured - expected)))
            XCTAssertEqual(result.cells[0][0].total, 1000)
            XCTAssertLessThanOrEqual(abs(measured - expected), 0.03, "\(name) s\(severity)")
        }
        print(String(format: "CIFAR comparison: %.1f s for 3 cells x 1,000 images", Date().timeIntervalSince(started)))
    }
}
