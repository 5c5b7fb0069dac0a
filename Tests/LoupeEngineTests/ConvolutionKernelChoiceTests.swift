import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The per-layer kernel choice: listed by `inspect --json`, fixed by the geometry, and repeatable to the bit.
final class ConvolutionKernelChoiceTests: XCTestCase {
    func resnet18() throws -> (Model, Tensor) {
        guard let fixture = try Fixtures.cases("models").first(where: { $0.name == "resnet18" }) else {
            throw XCTSkip("no resnet18 fixture")
        }
        let model = try Model(path: try Fixtures.modelPath("models", fixture))
        return (model, try Fixtures.array("models", fixture.inputs?["input"] ?? ""))
    }

    /// Every Conv layer of the summary names the kernels the rule picks for its geometry; other ops name none.
    func testSummaryListsTheRuleChoicePerConvLayer() throws {
        let (model, _) = try resnet18()
        let summary = try ModelSummary(model: model, batchSize: 8)
        let layers = try ConvolutionLayer.all(in: model, batchSize: 8)
        let convRows = summary.layers.filter { $0.op == "Conv" }
        XCTAssertEqual(convRows.count, layers.count)
        XCTAssertGreaterThan(layers.count, 10)
        for (row, layer) in zip(convRows, layers) {
            XCTAssertEqual(row.name, layer.name)
            XCTAssertEqual(row.kernels, ConvolutionRule.route(for: layer.geometry), row.name)
        }
        XCTAssertTrue(summary.layers.filter { $0.op != "Conv" }.allSatisfy { $0.kernels == nil })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let first = try encoder.encode(summary), second = try encoder.encode(try ModelSummary(model: model, batchSize: 8))
        XCTAssertEqual(first, second, "the same model lists the same kernels every time")
        XCTAssertTrue(String(decoding: first, as: UTF8.self).contains("\"weight_gradient\""))
    }

    /// Two runs of the same batch give bit-identical logits and input gradients, whichever kernels run.
    func testRunsAreBitIdentical() throws {
        let (model, x) = try resnet18()
        let first = try model.run(x).firstOutput(of: model), second = try model.run(x).firstOutput(of: model)
        XCTAssertEqual(first.scalars, second.scalars)
        let inParts = try Parallel.serially { try model.run(x).firstOutput(of: model) }
        XCTAssertEqual(inParts.shape, first.shape)
        assertClose(inParts, first, relativeTo: 1e-5)
    }
}
