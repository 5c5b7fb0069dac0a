import LoupeEngine
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// The run summary's layer table: every node for a small graph, only the nodes with parameters or
/// multiply-adds for a large one (a transformer's reshapes and slices would fill pages).
final class SummaryLayerTableTests: XCTestCase {
    func testLargeGraphsListOnlyNodesWithParametersOrMultiplyAdds() throws {
        let path = Fixtures.path("matrix", "swin_1stage.onnx")
        let model = try Model(path: path)
        let context = try SectionTestSupport.evaluatedContext(model: model, path: path, dataset: NoiseImages(count: 2, sampleShape: [3, 32, 32]),
                                                              sections: ["summary"])
        let summary = try ModelSummary(model: model, batchSize: 1)
        let working = summary.layers.filter { $0.parameters > 0 || $0.multiplyAdds > 0 }.count
        XCTAssertLessThan(working, summary.layers.count / 2)

        let full = try SummarySection().layerTable(summary, context, limit: summary.layers.count)
        XCTAssertEqual(full.rows.count, summary.layers.count + 1, "every node and the total")
        XCTAssertFalse(full.caption.contains("summary.json"))

        let short = try SummarySection().layerTable(summary, context, limit: summary.layers.count - 1)
        XCTAssertEqual(short.rows.count, working + 1)
        XCTAssertTrue(short.caption.contains("the \(working) of \(summary.layers.count) nodes"), short.caption)
    }
}
