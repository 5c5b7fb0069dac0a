import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
@testable import LoupePipeline
import LoupeReport
import LoupeReportCairo
import LoupeTensor
import LoupeTestSupport
import XCTest

final class ActivationsSectionTests: XCTestCase {
    func testCNNActivationPagesAndTopImagesAgreeWithABruteForcePass() throws {
        let dataset = NoiseImages(count: 64, sampleShape: [1, 28, 28])
        let context = try SectionTestSupport.context(fixture: "cnn_opset17", dataset: dataset, sections: ["activations"])
        var options = ActivationsOptions()
        options.topChannels = 3
        let output = try ActivationsSection(options: options).make(context)
        XCTAssertEqual(output.key, "activations")
        let keys = SectionTestSupport.keys(output.numbers)
        XCTAssertTrue(keys.contains("feature_maps"))
        XCTAssertTrue(keys.contains("layers"))
        let topKeys = keys.filter { $0.hasPrefix("top_") }
        XCTAssertFalse(topKeys.isEmpty)
        XCTAssertGreaterThan(SectionTestSupport.figureCount(output), 4)

        // Re-rank channel 0 of the first top layer by brute force over the whole dataset.
        let layer = String(try XCTUnwrap(topKeys.first).dropFirst(4))
        let (images, _) = try dataset.batch(Array(0..<64))
        let value = try XCTUnwrap(try context.model.run(images, taps: [layer]).taps[layer]?.asFloat)
        let (c, plane) = (value.shape[1], value.shape[2] * value.shape[3])
        let scores = (0..<64).map { i in value.scalars[(i * c * plane)..<((i * c + 1) * plane)].max() ?? 0 }
        let expected = scores.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(9).map { Float($0.offset) }
        let array = try XCTUnwrap(output.arrays.first { $0.0 == "top_indices_" + ActivationFigures.fileName(layer) }?.1)
        XCTAssertEqual(array.shape, [3, 9])
        let dead = scores.allSatisfy { $0 <= 0 }
        if !dead { XCTAssertEqual(Array(array.scalars.prefix(9)), expected) }
        // Per-channel statistics of that layer against direct computation.
        let stats = try XCTUnwrap(output.arrays.first { $0.0 == "channel_stats_" + ActivationFigures.fileName(layer) }?.1)
        let channel0 = (0..<64).flatMap { i in value.scalars[(i * c * plane)..<((i * c + 1) * plane)] }
        XCTAssertEqual(Double(stats.scalars[0]), channel0.map(Double.init).reduce(0, +) / Double(channel0.count), accuracy: 1e-4)
        XCTAssertEqual(stats.scalars[1], channel0.max())
    }

    func testSamplesAreSpreadOverClasses() throws {
        let context = try SectionTestSupport.context(fixture: "cnn_opset17", dataset: NoiseImages(count: 40, sampleShape: [1, 28, 28]),
                                                     sections: ["activations"])
        let samples = ActivationFigures.sampleIndices(context, count: 4)
        XCTAssertEqual(samples.count, 4)
        XCTAssertEqual(Set(samples.map { $0 % 10 }).count, 4)
        XCTAssertEqual(samples, ActivationFigures.sampleIndices(context, count: 4))
    }

    /// Renders both sections for the MNIST CNN on real MNIST (when `../shared` has it) to /tmp/loupe-wa.pdf.
    func testRenderPDFOnMNIST() throws {
        guard let shared = sharedDirectory else { throw XCTSkip("../shared is not present") }
        let folder = shared.appendingPathComponent("data/mnist")
        let images = folder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path
        let labels = folder.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
        guard FileManager.default.fileExists(atPath: images) else { throw XCTSkip("MNIST is not in ../shared/data/mnist") }
        let full = try IDXDataset(imagesPath: images, labelsPath: labels)
        let limit = Int(ProcessInfo.processInfo.environment["LOUPE_WA_IMAGES"] ?? "") ?? 500
        let dataset = try SubsetDataset(full, options: DatasetOptions(limit: limit))
        let context = try SectionTestSupport.context(fixture: "cnn_opset17", dataset: dataset, sections: ["weights", "activations"])
        let start = Date()
        let weights = try WeightsSection().make(context)
        let activations = try ActivationsSection().make(context)
        print("weights+activations on \(dataset.count) images: \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        let document = Document(title: "Weights and activations", sections: weights.sections + activations.sections)
        _ = try CairoPDFRenderer().render(document, to: "/tmp/loupe-wa.pdf")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/tmp/loupe-wa.pdf"))
    }
}

/// Both sections on the ImageNet-sized fixtures (RGB first layer, residual and depthwise graphs).
final class LargeModelSectionTests: XCTestCase {
    func run(_ fixture: String) throws -> [Section] {
        let context = try SectionTestSupport.context(fixture: fixture, dataset: NoiseImages(count: 6, sampleShape: [3, 64, 64]),
                                                     sections: ["weights", "activations"])
        var options = ActivationsOptions()
        options.sampleCount = 2
        let weights = try WeightsSection().make(context)
        let activations = try ActivationsSection(options: options).make(context)
        XCTAssertTrue(SectionTestSupport.keys(weights.numbers).contains("first_conv"))
        XCTAssertTrue(SectionTestSupport.keys(activations.numbers).contains { $0.hasPrefix("top_") })
        return weights.sections + activations.sections
    }

    func testResNet18() throws {
        let sections = try run("resnet18")
        _ = try CairoPDFRenderer().render(Document(title: "ResNet-18", sections: sections), to: "/tmp/loupe-wa-resnet.pdf")
    }

    func testMobileNetV3Small() throws {
        _ = try run("mobilenetv3_small")
    }
}
