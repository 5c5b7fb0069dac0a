@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The one way ops read their inputs (`NodeInputs.swift`): errors name the input and the node;
/// the backward helpers agree with `wantsInputGradient` and the kept inputs.
final class NodeInputsTests: XCTestCase {
    private let node = Node(name: "probe", opType: "Probe", inputs: ["a", "b"], outputs: ["y"])
    private let float = TensorValue.float(Tensor(shape: [2], scalars: [1, 2]))
    private let ints = TensorValue.int(IntTensor(vector: [3, -1]))

    func testMissingInputsNameTheInputAndTheNode() {
        assertShapeOpThrows("node 'probe' (Probe)") { try self.node.value([self.float], 1, "B") }
        assertShapeOpThrows("missing required input 1 (B)") { try self.node.float([self.float, nil], 1, "B") }
        assertShapeOpThrows("missing required input 0 (X)") { try self.node.facts([], 0, "X") }
        XCTAssertNil(node.optional([float], 2) as TensorValue?)
        XCTAssertEqual(try node.float([ints], 0, "X").scalars, [3, -1])
    }

    func testFloatFactsRefuseIntegersAndConstantsMustBeConstant() throws {
        assertShapeOpThrows("input 0 must be a floating-point tensor") {
            try self.node.floatFacts([ValueFacts(shape: [2], element: .integer)], 0, "X")
        }
        XCTAssertEqual(try node.floatFacts([ValueFacts(shape: [4])], 0, "X").shape, [4])
        assertShapeOpThrows("input 'axes' must be a constant") { try self.node.constantInts([nil, ValueFacts(shape: [1])], 1, "axes") as Any }
        XCTAssertEqual(try node.constantInts([nil, ValueFacts(constant: ints)], 1, "axes"), [3, -1])
        XCTAssertNil(try node.constantInts([nil], 1, "axes"))
    }

    func testAxesCountAndLocation() throws {
        XCTAssertEqual(try node.axis(-1, rank: 3), 2)
        assertShapeOpThrows("axis 3 is out of range for rank 3") { try self.node.axis(3, rank: 3) }
        assertShapeOpThrows("repeated axis") { try self.node.axes([0, -2], rank: 2) }
        XCTAssertEqual(try node.count([2, 3, 4]), 24)
        assertShapeOpThrows("is too large") { try self.node.count([Int.max, 2]) }
        assertShapeOpThrows("node 'probe' (Probe)") { try self.node.located { () throws -> Int in throw LoupeError(.computation, "no place") } }
    }

    func testBackwardHelpersFollowWantsAndKeptInputs() {
        let context = BackwardContext(inputs: [float, ints, nil], outputs: [], outputGradients: [],
                                      wantsInputGradient: [true, true, false, true])
        XCTAssertEqual((0..<5).map { context.wants($0) }, [true, true, false, false, false])
        XCTAssertNotNil(context.wantedFloatInput(0))
        XCTAssertNil(context.wantedFloatInput(1), "integer inputs have no gradient")
        XCTAssertNil(context.wantedFloatInput(2))
        XCTAssertEqual(context.noGradients.count, 3)
        XCTAssertTrue(context.noGradients.allSatisfy { $0 == nil })
    }

    func testFamilyDefaultsReadThroughTheNode() throws {
        let exp = try makeOperator(ExpOperator.self)
        assertShapeOpThrows("missing required input 0 (X)") { try exp.forward([]) }
        XCTAssertEqual(exp.backwardNeeds, .outputs)
        XCTAssertEqual(try makeOperator(AbsOperator.self).backwardNeeds, .inputs)
        let conv = try makeOperator(ConvOperator.self, inputs: 2)
        assertShapeOpThrows("input 1 must be a floating-point tensor") {
            try conv.inferFacts([ValueFacts(shape: [1, 1, 3, 3]), ValueFacts(shape: [1, 1, 1, 1], element: .integer)])
        }
    }
}
