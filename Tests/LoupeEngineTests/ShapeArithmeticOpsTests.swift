import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// ConstantOfShape, Equal, Not, Where, Expand, Mod, Range, ScatterND and Einsum: values, facts, errors and gradients.
final class ShapeArithmeticOpsTests: XCTestCase {
    typealias D = ShapeTestData

    func testConstantOfShape() throws {
        let zeros = try makeOperator(ConstantOfShapeOperator.self)
        XCTAssertEqual(try zeros.forward([D.ints([2, 3])]), [.float(Tensor(shape: [2, 3]))])
        let facts = try zeros.inferFacts([D.constant(D.ints([4]))])[0]
        XCTAssertEqual(facts.constant, .float(Tensor(shape: [4])))
        let ones = try makeOperator(ConstantOfShapeOperator.self, attributes: ["value": .tensor(D.int([1], [1]))])
        XCTAssertEqual(try ones.forward([D.ints([2])]), [D.ints([1, 1])])
        let filled = try makeOperator(ConstantOfShapeOperator.self, attributes: ["value": .tensor(D.float([1], [-2.5]))])
        XCTAssertEqual(try filled.forward([D.ints([1, 2])]), [D.float([1, 2], [-2.5, -2.5])])
        XCTAssertEqual(try filled.forward([D.ints([0, 2])])[0].shape, [0, 2])
        assertShapeOpThrows("negative") { try zeros.forward([D.ints([2, -1])]) }
        assertShapeOpThrows("must be a constant") { try zeros.inferFacts([D.facts([2], .integer)]) }
        assertShapeOpThrows("1-D integer") { try zeros.inferFacts([D.facts([2])]) }
        assertShapeOpThrows("one element") {
            try makeOperator(ConstantOfShapeOperator.self, attributes: ["value": .tensor(D.floats([1, 2]))])
        }
    }

    func testEqualAndNot() throws {
        let equal = try makeOperator(EqualOperator.self, inputs: 2)
        XCTAssertEqual(try equal.forward([D.int([2, 2], [1, 2, 3, 4]), D.ints([1, 4])]), [D.int([2, 2], [1, 0, 0, 1])])
        XCTAssertEqual(try equal.forward([D.floats([0.5, 1]), D.float([], [1])]), [D.ints([0, 1])])
        let facts = try equal.inferFacts([D.facts([3, 1]), D.facts([4])])[0]
        XCTAssertEqual(facts.shape, [3, 4])
        XCTAssertEqual(facts.element, .integer)
        assertShapeOpThrows("cannot be broadcast") { try equal.inferFacts([D.facts([3]), D.facts([4])]) }
        XCTAssertEqual(try equal.backward(BackwardContext(inputs: [nil, nil], outputs: [nil], outputGradients: [nil],
                                                          wantsInputGradient: [true, true])), [nil, nil])
        let not = try makeOperator(NotOperator.self)
        XCTAssertEqual(try not.forward([D.ints([0, 1, 5])]), [D.ints([1, 0, 0])])
    }

    func testWhereForwardAndFacts() throws {
        let op = try makeOperator(WhereOperator.self, inputs: 3)
        let condition = D.int([2, 1], [1, 0])
        let x = D.floats([1, 2, 3]), y = D.float([], [-1])
        XCTAssertEqual(try op.forward([condition, x, y]), [D.float([2, 3], [1, 2, 3, -1, -1, -1])])
        XCTAssertEqual(try op.forward([D.ints([0, 1]), D.ints([7, 8]), D.ints([5, 6])]), [D.ints([5, 8])])
        let facts = try op.inferFacts([D.facts([2, 1], .integer), D.facts([3]), D.facts([])])[0]
        XCTAssertEqual(facts.shape, [2, 3])
        XCTAssertEqual(facts.element, .float)
        assertShapeOpThrows("cannot be broadcast") { try op.inferFacts([D.facts([2], .integer), D.facts([3]), D.facts([])]) }
    }

    func testWhereGradientFlowsToTheChosenBranch() throws {
        let op = try makeOperator(WhereOperator.self, inputs: 3)
        let condition = D.int([3, 1], [1, 0, 1])
        try checkGradients(of: op, inputs: [condition, .float(D.distinct([3, 4])), .float(D.distinct([4], seed: 3))], checked: [1, 2])
        let context = BackwardContext(inputs: [condition, .float(Tensor(shape: [3, 1])), .float(Tensor(shape: [2]))],
                                      outputs: [nil], outputGradients: [Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])],
                                      wantsInputGradient: [false, true, true])
        let grads = try op.backward(context)
        XCTAssertNil(grads[0])
        XCTAssertEqual(grads[1], Tensor(shape: [3, 1], scalars: [3, 0, 11]))
        XCTAssertEqual(grads[2], Tensor(shape: [2], scalars: [3, 4]))
    }

    func testExpand() throws {
        let op = try makeOperator(ExpandOperator.self, inputs: 2)
        let token = D.float([1, 1, 2], [1, 2])
        XCTAssertEqual(try op.forward([token, D.ints([3, 1, 1])]), [D.float([3, 1, 2], [1, 2, 1, 2, 1, 2])])
        // Bidirectional: a 1 in the requested shape keeps the input's extent.
        XCTAssertEqual(try op.forward([D.float([2, 1], [5, 6]), D.ints([1, 3])])[0].shape, [2, 3])
        XCTAssertEqual(try op.forward([D.ints([4, 5]), D.ints([2, 2])]), [D.int([2, 2], [4, 5, 4, 5])])
        XCTAssertEqual(try op.inferFacts([D.facts([1, 1, 2]), D.constant(D.ints([8, -1 + 2, 2]))])[0].shape, [8, 1, 2])
        assertShapeOpThrows("cannot expand") { try op.forward([D.floats([1, 2]), D.ints([3])]) }
        assertShapeOpThrows("must be a constant") { try op.inferFacts([D.facts([2]), D.facts([1], .integer)]) }
        try checkGradients(of: op, inputs: [.float(D.distinct([1, 3, 1])), D.ints([2, 3, 4])], checked: [0])
        let context = BackwardContext(inputs: [token, D.ints([3, 1, 1])], outputs: [nil],
                                      outputGradients: [Tensor(shape: [3, 1, 2], scalars: [1, 2, 3, 4, 5, 6])],
                                      wantsInputGradient: [true, false])
        XCTAssertEqual(try op.backward(context)[0], Tensor(shape: [1, 1, 2], scalars: [9, 12]))
    }

    func testModIntegersFollowTheSignConvention() throws {
        let python = try makeOperator(ModOperator.self, inputs: 2)
        XCTAssertEqual(try python.forward([D.ints([7, -7, 7, -7, 6]), D.ints([3, 3, -3, -3, 3])]), [D.ints([1, 2, -2, -1, 0])])
        let c = try makeOperator(ModOperator.self, inputs: 2, attributes: ["fmod": .int(1)])
        XCTAssertEqual(try c.forward([D.ints([7, -7, 7, -7]), D.ints([3, 3, -3, -3])]), [D.ints([1, -1, 1, -1])])
        XCTAssertEqual(try python.forward([D.ints([Int.min]), D.ints([-1])]), [D.ints([0])])
        assertShapeOpThrows("modulo by zero") { try python.forward([D.ints([1]), D.ints([0])]) }
        assertShapeOpThrows("fmod=1") { try python.inferFacts([D.facts([2]), D.facts([2])]) }
        XCTAssertEqual(try python.inferFacts([D.facts([2, 1], .integer), D.facts([3], .integer)])[0].shape, [2, 3])
    }

    func testModFloatForwardAndGradient() throws {
        let op = try makeOperator(ModOperator.self, inputs: 2, attributes: ["fmod": .int(1)])
        let values = try op.forward([D.floats([5.5, -5.5]), D.float([], [2])])
        XCTAssertEqual(values, [D.floats([1.5, -1.5])])
        // Away from the jumps at multiples of B.
        let a = Tensor(shape: [2, 3], scalars: [5.3, -4.6, 2.2, 7.7, -1.3, 0.4])
        let b = Tensor(shape: [3], scalars: [2.1, 1.7, -0.9])
        try checkGradients(of: op, inputs: [.float(a), .float(b)], step: 1e-3)
    }

    func testRange() throws {
        let op = try makeOperator(RangeOperator.self, inputs: 3)
        XCTAssertEqual(try op.forward([D.int([], [0]), D.int([], [5]), D.int([], [2])]), [D.ints([0, 2, 4])])
        XCTAssertEqual(try op.forward([D.int([], [10]), D.int([], [4]), D.int([], [-3])]), [D.ints([10, 7])])
        XCTAssertEqual(try op.forward([D.int([], [3]), D.int([], [1]), D.int([], [1])]), [D.ints([])])
        XCTAssertEqual(try op.forward([D.float([], [1]), D.float([], [2]), D.float([], [0.25])]), [D.floats([1, 1.25, 1.5, 1.75])])
        let facts = try op.inferFacts([D.constant(D.int([], [0])), D.constant(D.int([], [4])), D.constant(D.int([], [1]))])[0]
        XCTAssertEqual(facts.constant, D.ints([0, 1, 2, 3]))
        assertShapeOpThrows("delta is zero") { try op.forward([D.int([], [0]), D.int([], [4]), D.int([], [0])]) }
        assertShapeOpThrows("too long") { try op.forward([D.int([], [0]), D.int([], [Int.max]), D.int([], [1])]) }
        assertShapeOpThrows("must be known") { try op.inferFacts([D.facts([]), D.facts([]), D.facts([])]) }
        assertShapeOpThrows("scalar") { try op.forward([D.ints([0, 1]), D.int([], [4]), D.int([], [1])]) }
    }

    func testScatterND() throws {
        let op = try makeOperator(ScatterNDOperator.self, inputs: 3)
        let data = D.float([3, 2], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try op.forward([data, D.int([1, 1], [2]), D.float([1, 2], [9, 8])]), [D.float([3, 2], [1, 2, 3, 4, 9, 8])])
        XCTAssertEqual(try op.forward([D.int([2, 2], [0, 0, 0, 0]), D.int([2, 2], [0, 1, 1, -2]), D.ints([7, 5])]),
                       [D.int([2, 2], [0, 7, 5, 0])])
        let adding = try makeOperator(ScatterNDOperator.self, inputs: 3, attributes: ["reduction": .string("add")], opset: 16)
        XCTAssertEqual(try adding.forward([data, D.int([2, 1], [0, 0]), D.float([2, 2], [1, 1, 1, 1])]), [D.float([3, 2], [3, 4, 3, 4, 5, 6])])
        assertShapeOpThrows("out of range") { try op.forward([data, D.int([1, 1], [3]), D.float([1, 2], [0, 0])]) }
        assertShapeOpThrows("do not match") { try op.inferFacts([D.facts([3, 2]), D.facts([1, 1], .integer), D.facts([2])]) }
        assertShapeOpThrows("not supported") {
            try makeOperator(ScatterNDOperator.self, inputs: 3, attributes: ["reduction": .string("mul")], opset: 16)
        }
        for scatter in [op, adding] {
            try checkGradients(of: scatter, inputs: [.float(D.distinct([4, 3])), D.int([2, 1], [3, 1]), .float(D.distinct([2, 3], seed: 5))],
                               checked: [0, 2])
        }
    }

    func testEinsum() throws {
        let matmul = try makeOperator(EinsumOperator.self, inputs: 2, attributes: ["equation": .string("ij, jk")])
        XCTAssertEqual(try matmul.forward([D.float([2, 2], [1, 2, 3, 4]), D.float([2, 1], [5, 6])]), [D.float([2, 1], [17, 39])])
        let diagonal = try makeOperator(EinsumOperator.self, attributes: ["equation": .string("ii->i")])
        XCTAssertEqual(try diagonal.forward([D.float([2, 2], [1, 2, 3, 4])]), [D.floats([1, 4])])
        let trace = try makeOperator(EinsumOperator.self, attributes: ["equation": .string("ii")])
        XCTAssertEqual(try trace.forward([D.float([2, 2], [1, 2, 3, 4])]), [D.float([], [5])])
        let attention = try makeOperator(EinsumOperator.self, inputs: 2,
                                         attributes: ["equation": .string("B G H I D, B G H J D -> B G H I J")])
        XCTAssertEqual(try attention.inferFacts([D.facts([2, 3, 1, 4, 5]), D.facts([2, 3, 1, 6, 5])])[0].shape, [2, 3, 1, 4, 6])
        assertShapeOpThrows("extents") { try attention.inferFacts([D.facts([2, 3, 1, 4, 5]), D.facts([2, 3, 1, 6, 4])]) }
        assertShapeOpThrows("ellipses") { try makeOperator(EinsumOperator.self, attributes: ["equation": .string("...i->i")]) }
        assertShapeOpThrows("output labels") { try makeOperator(EinsumOperator.self, attributes: ["equation": .string("ij->k")]) }
        try checkGradients(of: attention, inputs: [.float(D.distinct([2, 1, 2, 3, 2])), .float(D.distinct([2, 1, 2, 4, 2], seed: 9))], step: 1e-2)
        try checkGradients(of: diagonal, inputs: [.float(D.distinct([3, 3]))])
        let outer = try makeOperator(EinsumOperator.self, inputs: 2, attributes: ["equation": .string("i,j->ij")])
        try checkGradients(of: outer, inputs: [.float(D.distinct([3])), .float(D.distinct([2], seed: 4))])
    }
}
