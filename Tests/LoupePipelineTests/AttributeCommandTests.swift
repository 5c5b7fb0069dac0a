import Foundation
import LoupeAnalysis
@testable import LoupePipeline
import LoupeTensor
import LoupeTestSupport
import XCTest

/// `loupe attribute` runs every method of the attribution registry by its one name.
final class AttributeCommandTests: XCTestCase {
    func testEveryRegistryMethodRuns() throws {
        let model = try Fixtures.modelPath("models", try XCTUnwrap(try Fixtures.cases("models").first { $0.name == "cnn_opset17" }))
        let x = try Fixtures.array("models", "cnn_opset17.input.npy").slice(batch: 0..<1)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-attribute-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("x.npy").path
        try NPY.write(.float(x), to: input)
        var options = Attribution.Options()
        options.samples = 2
        options.steps = 4
        for method in AttributionMethods.all {
            let output = folder.appendingPathComponent("\(method.name).npy").path
            let summary = try Attribution.run(modelPath: model, inputPath: input, method: method.name, options: options, outputPath: output)
            let written = try NPY.read(path: output).asFloat
            XCTAssertEqual(written.shape, summary.outputShape, method.name)
            XCTAssertEqual(written.shape, method.isCAM ? [1, 1, 28, 28] : x.shape, method.name)
            XCTAssertTrue(written.scalars.allSatisfy(\.isFinite), method.name)
            XCTAssertEqual(summary.layer != nil, method.isCAM, method.name)
        }
        XCTAssertThrowsError(try Attribution.run(modelPath: model, inputPath: input, method: "smoothgrad_sq", options: options,
                                                 outputPath: folder.appendingPathComponent("old.npy").path)) { error in
            XCTAssertTrue("\(error)".contains("smoothgrad-sq"), "\(error)")
        }
    }

    /// `loupe bench --method` takes any registry method; many-pass methods are timed one image at a time.
    func testBenchTakesRegistryMethods() throws {
        let model = try Fixtures.modelPath("models", try XCTUnwrap(try Fixtures.cases("models").first { $0.name == "cnn_opset17" }))
        let sign = try EngineBenchmark.measureAttribution(modelPath: model, method: "gradient-x-sign", batch: 2, steps: 4, seconds: 0.01)
        XCTAssertEqual(sign.engine, "loupe-gradient-x-sign")
        XCTAssertEqual(sign.batch, 2)
        XCTAssertGreaterThanOrEqual(sign.runs, 3)
        let ig = try EngineBenchmark.measureAttribution(modelPath: model, method: "integrated-gradients", batch: 2, steps: 4, seconds: 0.01)
        XCTAssertEqual(ig.batch, 1)
        XCTAssertThrowsError(try EngineBenchmark.measureAttribution(modelPath: model, method: "magic", batch: 1, steps: 4, seconds: 0.01)) {
            XCTAssertTrue("\($0)".contains("gradient-x-sign"), "\($0)")
        }
    }
}
