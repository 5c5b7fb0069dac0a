@testable import LoupeAnalysis
import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import XCTest

/// `Classifier.gradients` cuts a batch into consecutive passes when one pass could exceed `MemoryBudget`.
final class GradientMemoryBudgetTests: XCTestCase {
    var random = TestRandom(seed: 23)

    func testBatchOverTheBudgetIsSplitAndEqualsOneWholePass() throws {
        let recipe = try XCTUnwrap(try Fixtures.cases("models").first { $0.name == "cnn_opset17" })
        let classifier = try Classifier(model: try Model(path: try Fixtures.modelPath("models", recipe)))
        let shape = try XCTUnwrap(classifier.model.sampleShape)
        let images = random.tensor([5] + shape)
        let targets = [0, 1, 2, 3, 4]
        let whole = try classifier.wholeBatchGradients(images, targets: targets, wrt: nil, taps: [], reluRule: .standard)
        let perRow = try classifier.gradientBytesPerRow(sampleShape: shape)
        let saved = MemoryBudget.bytes
        defer { MemoryBudget.bytes = saved }
        MemoryBudget.bytes = 2 * perRow
        XCTAssertEqual(try classifier.rowsPerGradientPass(sampleShape: shape), 2)
        let split = try XCTUnwrap(try classifier.gradientsWithinBudget(images, targets: targets, wrt: nil, taps: [],
                                                                       reluRule: .standard), "5 rows over a 2-row budget")
        let viaGradients = try classifier.gradients(images, targets: targets)
        let expected = try XCTUnwrap(whole.gradients[classifier.inputName])
        let scale = expected.scalars.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0)
        for result in [split, viaGradients] {
            let actual = try XCTUnwrap(result.gradients[classifier.inputName])
            XCTAssertEqual(actual.shape, images.shape)
            for i in 0..<expected.count { XCTAssertEqual(actual.scalars[i], expected.scalars[i], accuracy: 1e-5 * scale) }
        }
        MemoryBudget.bytes = 5 * perRow
        XCTAssertNil(try classifier.gradientsWithinBudget(images, targets: targets, wrt: nil, taps: [], reluRule: .standard),
                     "a batch within the budget runs as before")
    }
}
