import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Flatten, Reshape, Transpose, Concat, Split, Squeeze, Unsqueeze, Identity, Dropout.
final class ShapeOpsTests: XCTestCase {
    typealias D = ShapeTestData

    func testFlatten() throws {
        let x = D.iota([2, 3, 4])
        for (axis, expected) in [(1, [2, 12]), (0, [1, 24]), (-1, [6, 4]), (3, [24, 1]), (2, [6, 4])] {
            let op = try makeOperator(FlattenOperator.self, attributes: ["axis": .int(axis)])
            let out = shapeOpFloat(try op.forward([.float(x)])[0])
            XCTAssertEqual(out.shape, expected)
            XCTAssertEqual(out.scalars, x.scalars)
            XCTAssertEqual(try op.inferFacts([D.facts([2, 3, 4])])[0].shape, expected)
        }
        let op = try makeOperator(FlattenOperator.self, attributes: ["axis": .int(2)])
        let ints = shapeOpInt(try op.forward([D.int([2, 1, 2], [1, 2, 3, 4])])[0])
        XCTAssertEqual(ints, IntTensor(shape: [2, 2], values: [1, 2, 3, 4]))
        XCTAssertEqual(try op.inferFacts([D.facts([2, 1, 2], .integer)])[0].element, .integer)
        try checkGradients(of: op, inputs: [.float(D.distinct([2, 3, 2]))])
        let bad = try makeOperator(FlattenOperator.self, attributes: ["axis": .int(4)])
        assertShapeOpThrows("out of range") { try bad.inferFacts([D.facts([2, 3, 4])]) }
    }

    func testReshape() throws {
        let op = try makeOperator(ReshapeOperator.self, inputs: 2)
        let x = D.iota([2, 3, 4])
        let cases: [([Int], [Int])] = [([0, -1], [2, 12]), ([-1, 2, 0], [3, 2, 4]), ([4, 6], [4, 6]), ([24], [24])]
        for (target, expected) in cases {
            let out = shapeOpFloat(try op.forward([.float(x), D.ints(target)])[0])
            XCTAssertEqual(out.shape, expected)
            XCTAssertEqual(out.scalars, x.scalars)
            XCTAssertEqual(try op.inferFacts([D.facts([2, 3, 4]), D.constant(D.ints(target))])[0].shape, expected)
        }
        // allowzero=1: a 0 is an empty axis.
        let zero = try makeOperator(ReshapeOperator.self, inputs: 2, attributes: ["allowzero": .int(1)])
        let empty = try zero.forward([D.float([0, 3], []), D.ints([3, 0])])[0]
        XCTAssertEqual(empty.shape, [3, 0])
        assertShapeOpThrows("both 0 and -1") { try zero.forward([.float(x), D.ints([0, -1])]) }
        assertShapeOpThrows("cannot reshape") { try zero.forward([.float(x), D.ints([0, 24])]) }
        // Integers pass through (shape chains).
        XCTAssertEqual(shapeOpInt(try op.forward([D.int([1, 3], [5, 6, 7]), D.ints([-1])])[0]),
                       IntTensor(vector: [5, 6, 7]))
        // Refusals.
        assertShapeOpThrows("cannot reshape") { try op.forward([.float(x), D.ints([5, 5])]) }
        assertShapeOpThrows("cannot reshape") { try op.forward([.float(x), D.ints([5, -1])]) }
        assertShapeOpThrows("more than one -1") { try op.forward([.float(x), D.ints([-1, -1])]) }
        assertShapeOpThrows("must be a constant") { try op.inferFacts([D.facts([2, 3, 4]), D.facts([2], .integer)]) }
        try checkGradients(of: op, inputs: [.float(D.distinct([2, 3])), D.ints([3, 2])], checked: [0])
    }

    /// A direct transpose by coordinates, independent of the kernel.
    func naiveTranspose(_ x: Tensor, _ perm: [Int]) -> Tensor {
        let outShape = perm.map { x.shape[$0] }
        var out = Tensor(shape: outShape)
        let inStrides = x.strides
        for flat in 0..<out.count {
            var rest = flat, offset = 0
            for axis in stride(from: outShape.count - 1, through: 0, by: -1) {
                offset += (rest % outShape[axis]) * inStrides[perm[axis]]
                rest /= outShape[axis]
            }
            out.scalars[flat] = x.scalars[offset]
        }
        return out
    }

    func testTranspose() throws {
        let defaultOp = try makeOperator(TransposeOperator.self)
        let out = shapeOpFloat(try defaultOp.forward([.float(D.iota([2, 3]))])[0])
        XCTAssertEqual(out, Tensor(shape: [3, 2], scalars: [0, 3, 1, 4, 2, 5]))
        let x = D.iota([2, 3, 4, 5])
        for perm in [[0, 2, 3, 1], [3, 1, 0, 2], [0, 1, 3, 2], [1, 0, 2, 3], [0, 1, 2, 3]] {
            let op = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints(perm)])
            XCTAssertEqual(shapeOpFloat(try op.forward([.float(x)])[0]), naiveTranspose(x, perm), "perm \(perm)")
            XCTAssertEqual(try op.inferFacts([D.facts([2, 3, 4, 5])])[0].shape, perm.map { x.shape[$0] })
        }
        // Ragged 16×16 tiles of the transpose path.
        let y = D.iota([2, 9, 17])
        for perm in [[0, 2, 1], [2, 1, 0], [1, 2, 0]] {
            let op = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints(perm)])
            XCTAssertEqual(shapeOpFloat(try op.forward([.float(y)])[0]), naiveTranspose(y, perm), "perm \(perm)")
        }
        let op = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints([1, 0])])
        XCTAssertEqual(shapeOpInt(try op.forward([D.int([2, 2], [1, 2, 3, 4])])[0]),
                       IntTensor(shape: [2, 2], values: [1, 3, 2, 4]))
        let op3 = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints([2, 0, 1])])
        try checkGradients(of: op3, inputs: [.float(D.distinct([2, 3, 2]))])
        assertShapeOpThrows("not a permutation") { try op3.inferFacts([D.facts([2, 3])]) }
        let bad = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints([0, 0, 1])])
        assertShapeOpThrows("not a permutation") { try bad.forward([.float(D.iota([1, 2, 3]))]) }
    }

    func testConcat() throws {
        let a = D.float([2, 1], [1, 2]), b = D.float([2, 2], [3, 4, 5, 6])
        for axis in [1, -1] {
            let op = try makeOperator(ConcatOperator.self, inputs: 2, attributes: ["axis": .int(axis)])
            XCTAssertEqual(shapeOpFloat(try op.forward([a, b])[0]), Tensor(shape: [2, 3], scalars: [1, 3, 4, 2, 5, 6]))
            XCTAssertEqual(try op.inferFacts([D.facts([2, 1]), D.facts([2, 2])])[0].shape, [2, 3])
        }
        let op0 = try makeOperator(ConcatOperator.self, inputs: 3, attributes: ["axis": .int(0)])
        let pieces = [D.ints([1]), D.ints([-1]), D.ints([5, 7])]
        XCTAssertEqual(shapeOpInt(try op0.forward(pieces)[0]), IntTensor(vector: [1, -1, 5, 7]))
        let facts = try op0.inferFacts([D.facts([1], .integer), D.facts([1], .integer), D.facts([2], .integer)])[0]
        XCTAssertEqual(facts.shape, [4])
        XCTAssertEqual(facts.element, .integer)
        XCTAssertEqual(try op0.inferFacts([D.facts([1], .integer), D.facts([1]), D.facts([2])])[0].element, .float)
        assertShapeOpThrows("do not agree") { try op0.inferFacts([D.facts([1, 2]), D.facts([1, 3]), D.facts([1, 2])]) }
        let op1 = try makeOperator(ConcatOperator.self, inputs: 2, attributes: ["axis": .int(1)])
        assertShapeOpThrows("out of range") { try op1.inferFacts([D.facts([2]), D.facts([2])]) }
        try checkGradients(of: op1, inputs: [.float(D.distinct([2, 2, 3])), .float(D.distinct([2, 1, 3], seed: 3))])
        assertShapeOpThrows("missing required attribute") { try makeOperator(ConcatOperator.self) }
    }

    func testSplit() throws {
        let x = D.iota([2, 3])
        let attr = try makeOperator(SplitOperator.self, outputs: 2, attributes: ["axis": .int(1), "split": .ints([1, 2])], opset: 11)
        let outs = try attr.forward([.float(x)]).map { shapeOpFloat($0) }
        XCTAssertEqual(outs, [Tensor(shape: [2, 1], scalars: [0, 3]), Tensor(shape: [2, 2], scalars: [1, 2, 4, 5])])
        let input = try makeOperator(SplitOperator.self, inputs: 2, outputs: 2, attributes: ["axis": .int(-1)], opset: 13)
        XCTAssertEqual(try input.forward([.float(x), D.ints([2, 1])]).map(\.shape), [[2, 2], [2, 1]])
        XCTAssertEqual(try input.inferFacts([D.facts([2, 3]), D.constant(D.ints([2, 1]))]).map(\.shape), [[2, 2], [2, 1]])
        assertShapeOpThrows("must be a constant") { try input.inferFacts([D.facts([2, 3]), D.facts([2], .integer)]) }
        assertShapeOpThrows("does not divide") { try input.forward([.float(x), D.ints([2, 2])]) }
        // Opset 18 num_outputs: ceil(7/3) = 3, last chunk 1.
        let num = try makeOperator(SplitOperator.self, outputs: 3, attributes: ["axis": .int(0), "num_outputs": .int(3)], opset: 18)
        let chunks = try num.forward([.float(D.iota([7]))]).map { shapeOpFloat($0) }
        XCTAssertEqual(chunks.map(\.scalars), [[0, 1, 2], [3, 4, 5], [6]])
        // Equal split by output count; integers too.
        let equal = try makeOperator(SplitOperator.self, outputs: 2, attributes: ["axis": .int(0)], opset: 17)
        XCTAssertEqual(try equal.forward([D.ints([1, 2, 3, 4])]).map { shapeOpInt($0).values }, [[1, 2], [3, 4]])
        assertShapeOpThrows("does not split evenly") { try equal.forward([D.ints([1, 2, 3])]) }
        try checkGradients(of: attr, inputs: [.float(D.distinct([2, 3]))])
        try checkGradients(of: num, inputs: [.float(D.distinct([7]))])
    }

    func testSqueezeUnsqueeze() throws {
        let x = D.iota([2, 1, 3, 1])
        let attr = try makeOperator(SqueezeOperator.self, attributes: ["axes": .ints([1])], opset: 11)
        XCTAssertEqual(try attr.forward([.float(x)])[0].shape, [2, 3, 1])
        let input = try makeOperator(SqueezeOperator.self, inputs: 2, opset: 13)
        XCTAssertEqual(try input.forward([.float(x), D.ints([-1, 1])])[0].shape, [2, 3])
        XCTAssertEqual(try input.forward([.float(x), nil])[0].shape, [2, 3])
        XCTAssertEqual(try input.inferFacts([D.facts([2, 1, 3, 1]), nil])[0].shape, [2, 3])
        XCTAssertEqual(try input.inferFacts([D.facts([2, 1, 3, 1]), D.constant(D.ints([3]))])[0].shape, [2, 1, 3])
        assertShapeOpThrows("cannot squeeze axis 2") { try input.forward([.float(x), D.ints([2])]) }
        assertShapeOpThrows("must be a constant") { try input.inferFacts([D.facts([2, 1]), D.facts([1], .integer)]) }
        XCTAssertEqual(shapeOpInt(try input.forward([D.int([1], [9]), nil])[0]), IntTensor(shape: [], values: [9]))
        try checkGradients(of: attr, inputs: [.float(D.distinct([2, 1, 3, 1]))])

        let un = try makeOperator(UnsqueezeOperator.self, attributes: ["axes": .ints([0, 3])], opset: 11)
        XCTAssertEqual(try un.forward([.float(D.iota([2, 3]))])[0].shape, [1, 2, 3, 1])
        let unInput = try makeOperator(UnsqueezeOperator.self, inputs: 2, opset: 13)
        XCTAssertEqual(try unInput.forward([.float(D.iota([2, 3])), D.ints([-1])])[0].shape, [2, 3, 1])
        XCTAssertEqual(try unInput.forward([.float(D.iota([2, 3])), D.ints([1, -1])])[0].shape, [2, 1, 3, 1])
        XCTAssertEqual(shapeOpInt(try unInput.forward([D.int([], [4]), D.ints([0])])[0]), IntTensor(vector: [4]))
        XCTAssertEqual(try unInput.inferFacts([D.facts([], .integer), D.constant(D.ints([0]))])[0].shape, [1])
        assertShapeOpThrows("repeated axis") { try unInput.forward([.float(D.iota([2])), D.ints([0, 0])]) }
        assertShapeOpThrows("out of range") { try unInput.forward([.float(D.iota([2])), D.ints([3])]) }
        assertShapeOpThrows("missing required attribute") { try makeOperator(UnsqueezeOperator.self, opset: 11) }
        try checkGradients(of: un, inputs: [.float(D.distinct([2, 3]))])
    }

    func testIdentityAndDropout() throws {
        let x = D.distinct([2, 3])
        let identity = try makeOperator(IdentityOperator.self)
        XCTAssertEqual(shapeOpFloat(try identity.forward([.float(x)])[0]), x)
        XCTAssertEqual(shapeOpInt(try identity.forward([D.ints([3])])[0]), IntTensor(vector: [3]))
        XCTAssertEqual(try identity.inferFacts([D.facts([2, 3])])[0].shape, [2, 3])
        try checkGradients(of: identity, inputs: [.float(x)])

        let dropout = try makeOperator(DropoutOperator.self, inputs: 3, outputs: 2, opset: 13)
        let outs = try dropout.forward([.float(x), D.float([], [0.5]), nil])
        XCTAssertEqual(shapeOpFloat(outs[0]), x)
        XCTAssertEqual(shapeOpInt(outs[1]), IntTensor(shape: [2, 3], values: [1, 1, 1, 1, 1, 1]))
        let facts = try dropout.inferFacts([D.facts([2, 3]), D.constant(D.float([], [0.5])), D.constant(D.int([], [0]))])
        XCTAssertEqual(facts.map(\.shape), [[2, 3], [2, 3]])
        XCTAssertEqual(facts[1].element, .integer)
        assertShapeOpThrows("training_mode") {
            try dropout.inferFacts([D.facts([2, 3]), nil, D.constant(D.int([], [1]))])
        }
        assertShapeOpThrows("training_mode") { try dropout.forward([.float(x), nil, D.int([], [1])]) }
        let single = try makeOperator(DropoutOperator.self, attributes: ["ratio": .float(0.3)], opset: 7)
        XCTAssertEqual(try single.forward([.float(x)]).count, 1)
        try checkGradients(of: dropout, inputs: [.float(x), nil, nil], checked: [0])
    }
}
