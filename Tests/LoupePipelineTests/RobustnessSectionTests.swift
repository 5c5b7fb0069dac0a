import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeReportCairo
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// The robustness section end to end on tiny synthetic data: pages, numbers, reproducibility, gray and small inputs.
final class RobustnessSectionTests: XCTestCase {
    /// A small random CNN on `[channels, size, size]` inputs with 10 classes.
    func tinyCNN(channels: Int, size: Int) throws -> Model {
        var random = TestRandom(seed: 3)
        var b = GraphBuilder()
        b.parameter("W1", random.tensor([6, channels, 3, 3], in: -0.5...0.5)); b.parameter("B1", random.tensor([6], in: -0.1...0.1))
        b.parameter("W2", random.tensor([10, 6], in: -0.8...0.8)); b.parameter("B2", random.tensor([10], in: -0.1...0.1))
        let c1 = b.add("Conv", ["x", "W1", "B1"], ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])])
        let flat = b.add("Flatten", [b.add("GlobalAveragePool", [b.add("Relu", [c1])])])
        b.add("Gemm", [flat, "W2", "B2"], ["transB": .int(1)], output: "logits")
        return try b.model(sampleShape: [channels, size, size], output: "logits")
    }

    func context(model: Model, dataset: any Dataset, preprocessing: PreprocessingConfig = PreprocessingConfig(), seed: Int = 1,
                 batchSize: Int = 8) throws -> JobContext {
        try SectionTestSupport.evaluatedContext(model: model, path: "m.onnx", dataset: dataset, sections: ["robustness"],
                                                preprocessing: preprocessing, seed: seed, batchSize: batchSize)
    }

    func options(_ corruptions: [String], severities: [Int] = [1, 3], images: Int = 12) -> RobustnessOptions {
        var options = RobustnessOptions()
        options.corruptions = corruptions
        options.severities = severities
        options.imagesPerCorruption = images
        return options
    }

    func testSectionOnSyntheticShapesProducesPagesNumbersAndPDF() throws {
        let dataset = try SyntheticShapesDataset(count: 40, seed: 2, preprocessing: Preprocessing(channels: 3, mean: [0.5], std: [0.25]))
        let ctx = try context(model: try tinyCNN(channels: 3, size: 32), dataset: dataset,
                              preprocessing: PreprocessingConfig(mean: [0.5], std: [0.25]))
        let section = RobustnessSection(options: options(["gaussian_noise", "frost", "contrast", "saturate"]))
        let started = Date()
        let output = try section.make(ctx)
        print(String(format: "robustness section: %.2f s for 12 images x 8 cells (debug)", Date().timeIntervalSince(started)))
        XCTAssertEqual(output.key, "robustness")
        let blocks = output.sections[0].blocks
        let charts = blocks.filter { if case .chart = $0 { return true } else { return false } }.count
        XCTAssertEqual(charts, 6, "noise, weather, digital and extras panels, CE bars, calibration lines")
        XCTAssertEqual(blocks.filter { if case .figure = $0 { return true } else { return false } }.count, 1)
        XCTAssertGreaterThanOrEqual(blocks.filter { if case .table = $0 { return true } else { return false } }.count, 4)
        let json = output.numbers.json()
        for key in ["\"cells\"", "\"per_corruption\"", "\"calibration\"", "\"class_drops\"", "\"mean_error_unnormalised\"",
                    "\"deviations\"", "\"clean_error\""] {
            XCTAssertTrue(json.contains(key), "summary lacks \(key)")
        }
        guard case .object(let entries) = output.numbers, case .list(let cells)? = entries.first(where: { $0.0 == "cells" })?.1 else {
            return XCTFail("no cells")
        }
        XCTAssertEqual(cells.count, 8)
        XCTAssertTrue(json.contains("procedural substitute"), "the frost deviation is printed")
        XCTAssertTrue(json.contains("\"profile\": \"cifar\""))
        XCTAssertTrue(json.contains("\"normalisation\": \"none\""))
        // Stratified sample of 12 over 10 classes.
        let indices = try section.sampleIndices(labels: dataset.labels, classCount: 10, seed: 1)
        XCTAssertEqual(indices.count, 12)
        XCTAssertEqual(indices, indices.sorted())
        XCTAssertGreaterThanOrEqual(Set(indices.map { dataset.labels[$0] }).count, 8)
        let document = Document(title: "Robustness", date: Date(timeIntervalSince1970: 0), sections: output.sections)
        let pdf = NSTemporaryDirectory() + "loupe-robustness-section.pdf"
        _ = try CairoPDFRenderer().render(document, to: pdf)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pdf))
    }

    /// Same seed → identical numbers; another batch size → the same predictions; another seed changes the
    /// random corruptions; a run is its own baseline (CE = 1).
    func testReproducibleAndUsableAsItsOwnBaseline() throws {
        let dataset = try SyntheticShapesDataset(count: 30, seed: 4)
        let model = try tinyCNN(channels: 3, size: 32)
        let chosen = options(["gaussian_noise", "glass_blur", "fog"], severities: [2, 5], images: 10)
        let first = try RobustnessSection(options: chosen).make(try context(model: model, dataset: dataset, batchSize: 3))
        let again = try RobustnessSection(options: chosen).make(try context(model: model, dataset: dataset, batchSize: 3))
        XCTAssertEqual(first.numbers.withoutTimings.json(), again.numbers.withoutTimings.json(), "a rerun gives the same bytes")
        // Another batch size corrupts the same images and predicts the same classes. The model's probabilities
        // may differ in the last bit: this 32-px convolution shares one im2col product among the images of a
        // batch, and BLAS kernels on AVX2 round a column by its place among the others (BENCHMARKS.md,
        // "Batch-independent results").
        let small = try RobustnessSection(options: chosen).compute(try context(model: model, dataset: dataset, batchSize: 3))
        let large = try RobustnessSection(options: chosen).compute(try context(model: model, dataset: dataset, batchSize: 8))
        XCTAssertEqual(small.accuracy, large.accuracy, "batch size must not change a prediction")
        for (a, b) in zip(small.cells.joined(), large.cells.joined()) {
            XCTAssertEqual(a.bins.meanConfidence, b.bins.meanConfidence, accuracy: 1e-6)
        }
        let other = try RobustnessSection(options: chosen).compute(try context(model: model, dataset: dataset, seed: 2))
        let firstResult = try RobustnessSection(options: chosen).compute(try context(model: model, dataset: dataset))
        XCTAssertNotEqual(other.cells.flatMap { $0.map(\.bins.meanConfidence) }, firstResult.cells.flatMap { $0.map(\.bins.meanConfidence) })
        // Written as summary.json and read back as a baseline: every CE is exactly 1.
        let scratch = try PipelineScratch("robustness-self")
        let summary = SummaryValue.object([("loupe_version", .text("x")), ("robustness", first.numbers.withoutTimings)]).json()
        let path = try scratch.write(summary, to: "summary.json")
        var withBaseline = chosen
        withBaseline.baselinePath = path
        let normalised = try RobustnessSection(options: withBaseline).compute(try context(model: model, dataset: dataset))
        XCTAssertEqual(normalised.normalisationKind, "baseline")
        for value in normalised.corruptionErrors { XCTAssertEqual(value ?? -1, 1, accuracy: 1e-6) }
        XCTAssertEqual(normalised.meanCorruptionError ?? -1, 1, accuracy: 1e-6)
    }

    /// The corrupted model input equals preprocess(corrupt(display RGB of the input)), with the per-image seed.
    func testInputsAreCorruptedInDisplaySpace() throws {
        let prep = Preprocessing(channels: 3, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3])
        let dataset = try SyntheticShapesDataset(count: 4, seed: 9, preprocessing: prep)
        let pipeline = CorruptionPipeline(classifier: try Classifier(model: try tinyCNN(channels: 3, size: 32)), preprocessing: prep,
                                          profile: .cifar, jpegQ85: false, seed: 7, classCount: 10, sampleShape: [3, 32, 32])
        let (batch, _) = try dataset.batch([1, 3])
        let images = try pipeline.displayImages(batch)
        let inputs = try pipeline.inputs(images, indices: [1, 3], name: "shot_noise", severity: 4)
        let expected = try corrupt(images[1], name: "shot_noise", severity: 4, seed: pipeline.imageSeed(3), profile: .cifar)
        let tensor = prep.apply(PixelImage(width: 32, height: 32, channels: 3, values: expected.bytes.map { Float($0) / 255 }))
        XCTAssertEqual(Array(inputs.scalars[(3 * 1024)...]), tensor.scalars)
        // The display round trip only rounds to the nearest byte: at most half a grey level (over std 0.2 after normalising).
        let back = prep.apply(PixelImage(width: 32, height: 32, channels: 3, values: images[0].bytes.map { Float($0) / 255 })).scalars
        let original = Array(batch.scalars[0..<(3 * 1024)])
        XCTAssertLessThan(zip(back, original).map { abs($0 - $1) }.max() ?? 1, 0.5 / 255 / 0.2 + 1e-5, "display bytes must reproduce the input")
    }

    /// Gray 28x28 inputs: replicated to RGB, padded to 32 for the corruption, cropped back; the report says so.
    func testGraySmallInputs() throws {
        var random = TestRandom(seed: 8)
        let images = Tensor(shape: [12, 1, 28, 28], scalars: random.tensor([12 * 784], in: 0...1).scalars.map { ($0 * 255).rounded() / 255 })
        let dataset = MemoryDataset(images: images, labels: (0..<12).map { $0 % 10 }, classNames: (0..<10).map(String.init))
        let ctx = try context(model: try tinyCNN(channels: 1, size: 28), dataset: dataset)
        let result = try RobustnessSection(options: options(["defocus_blur", "jpeg_compression"], severities: [5])).compute(ctx)
        XCTAssertEqual(result.profile, .cifar)
        let deviations = try result.deviations(ctx.templates)
        XCTAssertTrue(deviations.contains { $0.contains("edge-padded to 32x32") })
        XCTAssertTrue(deviations.contains { $0.contains("BT.601 luma") })
        XCTAssertFalse(deviations.contains { $0.isEmpty || $0.contains("{{") }, "\(deviations)")
        XCTAssertEqual(result.sample?.corrupted.first?.width, 28)
        let padded = try CorruptionPipeline.padded(try RGBImage8(width: 2, height: 1, bytes: [1, 2, 3, 4, 5, 6]), toAtLeast: 4)
        XCTAssertEqual(padded.top, 1); XCTAssertEqual(padded.left, 1)
        XCTAssertEqual(Array(padded.image.bytes[0..<12]), [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        XCTAssertEqual(try CorruptionPipeline.cropped(padded.image, top: 1, left: 1, height: 1, width: 2).bytes, [1, 2, 3, 4, 5, 6])
    }

    /// Through `loupe run`: summary.json carries the cells, and a second job normalises by the first run's file.
    func testRunThroughConfigWithBaseline() throws {
        let scratch = try PipelineScratch("robustness-run")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let section = #""robustness": {"corruptions": ["fog", "pixelate"], "severities": [2, 4], "images_per_corruption": 10}"#
        let job = #"{"name": "a", "model": {"path": "tiny.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 20}, "sections": {"summary": true, \#(section)}, "seed": 5}"#
        let first = scratch.run(try scratch.write(#"{"jobs": [\#(job)]}"#, to: "one.json"))
        XCTAssertEqual(first.code, 0, first.lines.joined(separator: "\n"))
        let run = try XCTUnwrap(scratch.runs("a").first)
        let summaryPath = scratch.path("reports/a/\(run)/summary.json")
        let text = try String(contentsOfFile: summaryPath, encoding: .utf8)
        XCTAssertTrue(text.contains("\"format\": \"loupe-robustness-1\""))
        XCTAssertTrue(text.contains("edge-padded to 32x32"), "8x8 inputs are padded for the corruptions")
        XCTAssertFalse(text.contains("seconds"), "timings stay out of summary.json")
        let withBaseline = job.replacingOccurrences(of: #""name": "a""#, with: #""name": "b""#)
            .replacingOccurrences(of: #""images_per_corruption": 10"#, with: #""images_per_corruption": 10, "baseline": "reports/a/\#(run)/summary.json""#)
        let second = scratch.run(try scratch.write(#"{"jobs": [\#(withBaseline)]}"#, to: "two.json"))
        XCTAssertEqual(second.code, 0, second.lines.joined(separator: "\n"))
        let runB = try XCTUnwrap(scratch.runs("b").first)
        let json = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: scratch.path("reports/b/\(runB)/summary.json"))))
        guard case .object(let top) = json, case .object(let robustness)? = top["robustness"] else { return XCTFail("no robustness") }
        XCTAssertEqual(robustness["normalisation"], .string("baseline"))
        // Same model, images and seed: the run equals its baseline, so mCE is exactly 100%.
        XCTAssertEqual(robustness["mce"], .number(1))
    }
}
