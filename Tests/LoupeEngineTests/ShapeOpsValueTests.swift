import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Constant, Shape, Gather, Cast, and the PyTorch Shape→Gather→Unsqueeze→Concat→Reshape chain.
final class ShapeOpsValueTests: XCTestCase {
    typealias D = ShapeTestData

    func testConstant() throws {
        let tensor = D.float([2], [1.5, -2])
        let cases: [(String, AttributeValue, TensorValue)] = [
            ("value", .tensor(tensor), tensor),
            ("value", .tensor(D.ints([3, 4])), D.ints([3, 4])),
            ("value_float", .float(0.25), D.float([], [0.25])),
            ("value_floats", .floats([1, 2, 3]), D.floats([1, 2, 3])),
            ("value_int", .int(-7), D.int([], [-7])),
            ("value_ints", .ints([5, 6]), D.ints([5, 6])),
        ]
        for (key, attribute, expected) in cases {
            let op = try makeOperator(ConstantOperator.self, inputs: 0, attributes: [key: attribute])
            XCTAssertEqual(try op.forward([]), [expected], key)
            let facts = try op.inferFacts([])[0]
            XCTAssertEqual(facts.constant, expected)
            XCTAssertEqual(facts.shape, expected.shape)
            XCTAssertEqual(facts.element, expected.isInt ? .integer : .float)
        }
        assertShapeOpThrows("not supported") {
            try makeOperator(ConstantOperator.self, inputs: 0, attributes: ["value_string": .string("a")])
        }
        assertShapeOpThrows("exactly one") { try makeOperator(ConstantOperator.self, inputs: 0) }
    }

    func testShape() throws {
        let op = try makeOperator(ShapeOperator.self)
        XCTAssertEqual(try op.forward([.float(Tensor(shape: [2, 3, 4]))]), [D.ints([2, 3, 4])])
        let facts = try op.inferFacts([D.facts([2, 3, 4])])[0]
        XCTAssertEqual(facts.constant, D.ints([2, 3, 4]))
        XCTAssertEqual(facts.shape, [3])
        XCTAssertEqual(facts.element, .integer)
        let ranged = try makeOperator(ShapeOperator.self, attributes: ["start": .int(1)], opset: 15)
        XCTAssertEqual(try ranged.inferFacts([D.facts([2, 3, 4])])[0].constant, D.ints([3, 4]))
        let negative = try makeOperator(ShapeOperator.self, attributes: ["start": .int(-2), "end": .int(-1)], opset: 15)
        XCTAssertEqual(try negative.forward([.float(Tensor(shape: [2, 3, 4]))]), [D.ints([3])])
        let clamped = try makeOperator(ShapeOperator.self, attributes: ["start": .int(-9), "end": .int(9)], opset: 15)
        XCTAssertEqual(try clamped.forward([D.int([1, 2], [0, 0])]), [D.ints([1, 2])])
        let ignored = try makeOperator(ShapeOperator.self, attributes: ["start": .int(1)], opset: 13)
        XCTAssertEqual(try ignored.forward([.float(Tensor(shape: [2, 3]))]), [D.ints([2, 3])])
    }

    func testGatherForward() throws {
        let data = D.float([3, 2], [1, 2, 3, 4, 5, 6])
        let axis0 = try makeOperator(GatherOperator.self, inputs: 2)
        XCTAssertEqual(shapeOpFloat(try axis0.forward([data, D.ints([2, 0, -1])])[0]),
                       Tensor(shape: [3, 2], scalars: [5, 6, 1, 2, 5, 6]))
        XCTAssertEqual(shapeOpFloat(try axis0.forward([data, D.int([], [1])])[0]), Tensor(shape: [2], scalars: [3, 4]))
        let axis1 = try makeOperator(GatherOperator.self, inputs: 2, attributes: ["axis": .int(-1)])
        XCTAssertEqual(shapeOpFloat(try axis1.forward([data, D.int([2, 2], [1, 0, 1, 1])])[0]),
                       Tensor(shape: [3, 2, 2], scalars: [2, 1, 2, 2, 4, 3, 4, 4, 6, 5, 6, 6]))
        XCTAssertEqual(try axis1.inferFacts([D.facts([3, 2]), D.facts([2, 2], .integer)])[0].shape, [3, 2, 2])
        // Integer data: a shape vector's first extent (PyTorch's Shape→Gather).
        XCTAssertEqual(shapeOpInt(try axis0.forward([D.ints([8, 3, 4]), D.int([], [0])])[0]), IntTensor(shape: [], values: [8]))
        XCTAssertEqual(try axis0.inferFacts([D.facts([3], .integer), D.constant(D.int([], [0]))])[0].element, .integer)
        assertShapeOpThrows("out of range") { try axis0.forward([data, D.ints([3])]) }
        assertShapeOpThrows("out of range") { try axis0.inferFacts([D.facts([3, 2]), D.constant(D.ints([-4]))]) }
        assertShapeOpThrows("must be integers") { try axis0.inferFacts([D.facts([3, 2]), D.facts([1])]) }
        let bad = try makeOperator(GatherOperator.self, inputs: 2, attributes: ["axis": .int(2)])
        assertShapeOpThrows("out of range") { try bad.inferFacts([D.facts([3, 2]), D.facts([1], .integer)]) }
    }

    func testGatherGradient() throws {
        let op = try makeOperator(GatherOperator.self, inputs: 2, attributes: ["axis": .int(1)])
        try checkGradients(of: op, inputs: [.float(D.distinct([2, 4, 3])), D.int([2, 2], [3, 0, 3, -1])], checked: [0])
        // Repeated indices accumulate.
        let axis0 = try makeOperator(GatherOperator.self, inputs: 2)
        let context = BackwardContext(inputs: [D.float([2], [0, 0]), D.ints([1, 1, 0])], outputs: [nil],
                                      outputGradients: [Tensor(shape: [3], scalars: [1, 2, 4])], wantsInputGradient: [true, false])
        XCTAssertEqual(try axis0.backward(context)[0], Tensor(shape: [2], scalars: [4, 3]))
    }

    func testCast() throws {
        let x = D.float([4], [1.7, -1.7, 0, 2.2])
        let toInt = try makeOperator(CastOperator.self, attributes: ["to": .int(7)])
        XCTAssertEqual(try toInt.forward([x]), [D.ints([1, -1, 0, 2])])
        XCTAssertEqual(try toInt.inferFacts([D.facts([4])])[0].element, .integer)
        let toBool = try makeOperator(CastOperator.self, attributes: ["to": .int(9)])
        XCTAssertEqual(try toBool.forward([x]), [D.ints([1, 1, 0, 1])])
        let toFloat = try makeOperator(CastOperator.self, attributes: ["to": .int(1)])
        XCTAssertEqual(try toFloat.forward([D.ints([3, -2])]), [D.floats([3, -2])])
        XCTAssertEqual(try toFloat.inferFacts([D.facts([2], .integer)])[0].element, .float)
        let toDouble = try makeOperator(CastOperator.self, attributes: ["to": .int(11)])
        try checkGradients(of: toDouble, inputs: [.float(D.distinct([2, 3]))])
        let context = BackwardContext(inputs: [x], outputs: [nil], outputGradients: [nil], wantsInputGradient: [true])
        XCTAssertNil(try toInt.backward(context)[0])
        assertShapeOpThrows("not supported") { try makeOperator(CastOperator.self, attributes: ["to": .int(8)]) }
    }

    /// PyTorch's `x.view(x.size(0), -1)` export: every step folds to a constant from facts alone.
    func testPyTorchFlattenChainFolds() throws {
        let shape = try makeOperator(ShapeOperator.self)
        let gather = try makeOperator(GatherOperator.self, inputs: 2)
        let unsqueeze = try makeOperator(UnsqueezeOperator.self, inputs: 2, opset: 13)
        let concat = try makeOperator(ConcatOperator.self, inputs: 2, attributes: ["axis": .int(0)])
        let reshape = try makeOperator(ReshapeOperator.self, inputs: 2)
        let xFacts = ValueFacts(shape: [5, 2, 3, 4])
        guard let s = try shape.inferFacts([xFacts])[0].constant else { return XCTFail("Shape did not give a constant") }
        let batch = try gather.forward([s, D.int([], [0])])[0]
        let dim = try unsqueeze.forward([batch, D.ints([0])])[0]
        let target = try concat.forward([dim, D.ints([-1])])[0]
        XCTAssertEqual(target, D.ints([5, -1]))
        let facts = try reshape.inferFacts([xFacts, ValueFacts(constant: target)])[0]
        XCTAssertEqual(facts.shape, [5, 24])
        let x = D.distinct([5, 2, 3, 4])
        XCTAssertEqual(shapeOpFloat(try reshape.forward([.float(x), target])[0]).scalars, x.scalars)
    }
}
