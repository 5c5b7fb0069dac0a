import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Sizes a model file asks for (pads, scales, declared dimensions) are checked against the memory
/// budget when the plan is made, before anything is allocated: a one-line error, never an abort.
final class PlanBudgetTests: XCTestCase {
    private func assertOverBudget(_ body: @autoclosure () throws -> Any, node: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertEqual((error as? LoupeError)?.kind, .invalidModel, text, file: file, line: line)
            XCTAssertTrue(text.contains(node) && text.contains("memory budget"), text, file: file, line: line)
            XCTAssertFalse(text.contains("\n"), file: file, line: line)
        }
    }

    /// A Pad of 2^20 on each side would ask for 17.6 TB.
    func testHugePadIsRefusedAtPlanTime() throws {
        var graph = GraphBuilder()
        let pads = graph.constant("pads", [0, 0, 1 << 20, 1 << 20, 0, 0, 1 << 20, 1 << 20])
        let y = graph.add("Pad", ["x", pads])
        let model = try graph.model(sampleShape: [1, 4, 4], output: y)
        assertOverBudget(try model.run(Tensor(shape: [1, 1, 4, 4])), node: "(Pad)")
    }

    /// A Resize with scales of 1e6 is refused the same way.
    func testHugeResizeIsRefusedAtPlanTime() throws {
        var graph = GraphBuilder()
        graph.initializers["scales"] = .float(Tensor(shape: [4], scalars: [1, 1, 1e6, 1e6]))
        let y = graph.add("Resize", ["x", "", "scales"], ["mode": .string("nearest")])
        let model = try graph.model(sampleShape: [1, 4, 4], output: y)
        assertOverBudget(try model.run(Tensor(shape: [1, 1, 4, 4])), node: "(Resize)")
    }

    /// The budget is the one limit: a tight budget refuses an ordinary input, and the default runs it.
    func testTheBudgetIsTheLimit() throws {
        var graph = GraphBuilder()
        let y = graph.add("Relu", ["x"])
        let model = try graph.model(sampleShape: [1, 64, 64], output: y)
        let saved = MemoryBudget.bytes
        defer { MemoryBudget.bytes = saved }
        MemoryBudget.bytes = 1_000
        assertOverBudget(try model.run(Tensor(shape: [1, 1, 64, 64])), node: "input 'x'")
        MemoryBudget.bytes = saved
        XCTAssertEqual(try model.run(Tensor(shape: [1, 1, 64, 64])).outputs.count, 1)
    }
}
