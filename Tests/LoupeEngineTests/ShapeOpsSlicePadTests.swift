import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Slice and Pad.
final class ShapeOpsSlicePadTests: XCTestCase {
    typealias D = ShapeTestData

    func testSliceForward() throws {
        let op = try makeOperator(SliceOperator.self, inputs: 5)
        let x = D.iota([3, 4]) // rows [0 1 2 3] [4 5 6 7] [8 9 10 11]
        func run(_ starts: [Int], _ ends: [Int], _ axes: [Int]?, _ steps: [Int]?) throws -> Tensor {
            shapeOpFloat(try op.forward([.float(x), D.ints(starts), D.ints(ends), axes.map(D.ints), steps.map(D.ints)])[0])
        }
        XCTAssertEqual(try run([0, 1], [2, 3], [0, 1], nil), Tensor(shape: [2, 2], scalars: [1, 2, 5, 6]))
        XCTAssertEqual(try run([1], [3], nil, nil), Tensor(shape: [2, 4], scalars: [4, 5, 6, 7, 8, 9, 10, 11]))
        XCTAssertEqual(try run([0, 1], [3, 4], [0, 1], [2, 2]), Tensor(shape: [2, 2], scalars: [1, 3, 9, 11]))
        // Negative steps and negative indices.
        XCTAssertEqual(try run([-1], [Int.min], [0], [-1]), Tensor(shape: [3, 4], scalars: [8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]))
        XCTAssertEqual(try run([3], [0], [1], [-2]), Tensor(shape: [3, 2], scalars: [3, 1, 7, 5, 11, 9]))
        XCTAssertEqual(try run([-1, 10], [-3, -10], [0, -1], [-1, -3]), Tensor(shape: [2, 2], scalars: [11, 8, 7, 4]))
        // INT64_MAX ends and clamped starts.
        XCTAssertEqual(try run([2], [Int.max], [1], nil), Tensor(shape: [3, 2], scalars: [2, 3, 6, 7, 10, 11]))
        XCTAssertEqual(try run([10], [20], [0], nil).shape, [0, 4])
        XCTAssertEqual(try run([-10], [2], [0], nil).shape, [2, 4])
        // Integers (shape chains).
        let ints = try op.forward([D.ints([2, 3, 4]), D.ints([-2]), D.ints([Int.max]), nil, nil])[0]
        XCTAssertEqual(shapeOpInt(ints), IntTensor(vector: [3, 4]))
        // Opset 9 attributes.
        let old = try makeOperator(SliceOperator.self, attributes: ["starts": .ints([1]), "ends": .ints([-1]), "axes": .ints([1])], opset: 9)
        XCTAssertEqual(shapeOpFloat(try old.forward([.float(x)])[0]), Tensor(shape: [3, 2], scalars: [1, 2, 5, 6, 9, 10]))
    }

    func testSliceFactsAndRefusals() throws {
        let op = try makeOperator(SliceOperator.self, inputs: 5)
        let facts = try op.inferFacts([D.facts([3, 4]), D.constant(D.ints([3])), D.constant(D.ints([0])),
                                       D.constant(D.ints([1])), D.constant(D.ints([-2]))])
        XCTAssertEqual(facts[0].shape, [3, 2])
        XCTAssertEqual(try op.inferFacts([D.facts([5], .integer), D.constant(D.ints([1])), D.constant(D.ints([9])), nil, nil])[0].element,
                       .integer)
        assertShapeOpThrows("must be a constant") {
            try op.inferFacts([D.facts([3, 4]), D.facts([1], .integer), D.constant(D.ints([1])), nil, nil])
        }
        let x = Tensor.init(shape: [3, 4])
        assertShapeOpThrows("step 0") { try op.forward([.float(x), D.ints([0]), D.ints([1]), D.ints([0]), D.ints([0])]) }
        assertShapeOpThrows("out of range") { try op.forward([.float(x), D.ints([0]), D.ints([1]), D.ints([2]), nil]) }
        assertShapeOpThrows("same length") { try op.forward([.float(x), D.ints([0, 0]), D.ints([1]), nil, nil]) }
        assertShapeOpThrows("missing required attributes") { try makeOperator(SliceOperator.self, opset: 9) }
    }

    func testSliceGradients() throws {
        let op = try makeOperator(SliceOperator.self, inputs: 5)
        let x = D.distinct([3, 5, 4])
        try checkGradients(of: op, inputs: [.float(x), D.ints([-1, 4, 0]), D.ints([Int.min, 0, 3]), D.ints([0, 1, 2]),
                                            D.ints([-1, -2, 2])], checked: [0])
        try checkGradients(of: op, inputs: [.float(x), D.ints([1]), D.ints([3]), D.ints([1]), nil], checked: [0])
        // The whole input (Swin's crop after a zero pad), which returns the input itself.
        try checkGradients(of: op, inputs: [.float(x), D.ints([0, 0]), D.ints([Int.max, 5]), D.ints([0, 1]), nil], checked: [0])
    }

    /// A window over every element returns the input; one that drops or reorders any element is still a copy.
    func testWholeSliceAndZeroPadReturnTheirInput() throws {
        let x = D.distinct([2, 3, 4])
        let slice = try makeOperator(SliceOperator.self, inputs: 5)
        func sliced(_ starts: [Int], _ ends: [Int], _ steps: [Int]?) throws -> Tensor {
            shapeOpFloat(try slice.forward([.float(x), D.ints(starts), D.ints(ends), D.ints([0, 1, 2]), steps.map(D.ints)])[0])
        }
        XCTAssertEqual(try sliced([0, 0, 0], [Int.max, 3, 4], nil), x)
        XCTAssertEqual(try sliced([-2, -10, 0], [2, 3, 100], [1, 1, 1]), x)
        XCTAssertEqual(try sliced([0, 0, 1], [2, 3, 4], nil).shape, [2, 3, 3])
        let reversed = try sliced([1, 0, 0], [Int.min, 3, 4], [-1, 1, 1])
        XCTAssertEqual(reversed.shape, x.shape)
        XCTAssertEqual(Array(reversed.scalars[0..<12]), Array(x.scalars[12..<24]))
        for mode in ["constant", "reflect", "edge"] {
            let pad = try makeOperator(PadOperator.self, inputs: 3, attributes: ["mode": .string(mode)])
            XCTAssertEqual(shapeOpFloat(try pad.forward([.float(x), D.ints([0, 0, 0, 0, 0, 0]), nil])[0]), x)
            try checkGradients(of: pad, inputs: [.float(x), D.ints([0, 0, 0, 0, 0, 0]), nil], checked: [0])
            XCTAssertEqual(shapeOpFloat(try pad.forward([.float(x), D.ints([0, 0, 0, 0, 0, 1]), nil])[0]),
                           naivePad(x, before: [0, 0, 0], after: [0, 0, 1], mode: mode))
        }
    }

    /// A direct pad by coordinates (reflect/edge via their definitions), independent of the kernel.
    func naivePad(_ x: Tensor, before: [Int], after: [Int], mode: String, value: Float = 0) -> Tensor {
        let outShape = x.shape.indices.map { x.shape[$0] + before[$0] + after[$0] }
        var out = Tensor(shape: outShape)
        let inStrides = x.strides
        for flat in 0..<out.count {
            var rest = flat, offset = 0, inside = true
            for axis in stride(from: outShape.count - 1, through: 0, by: -1) {
                var i = rest % outShape[axis] - before[axis]
                rest /= outShape[axis]
                let n = x.shape[axis]
                if i < 0 || i >= n {
                    if mode == "constant" { inside = false }
                    if mode == "edge" { i = i < 0 ? 0 : n - 1 }
                    if mode == "reflect" { i = i < 0 ? -i : 2 * (n - 1) - i }
                }
                offset += i * inStrides[axis]
            }
            out.scalars[flat] = inside ? x.scalars[offset] : value
        }
        return out
    }

    func testPadForward() throws {
        let x = D.float([2, 3], [1, 2, 3, 4, 5, 6])
        let constant = try makeOperator(PadOperator.self, inputs: 3)
        XCTAssertEqual(shapeOpFloat(try constant.forward([x, D.ints([1, 2, 0, 1]), D.float([], [0.5])])[0]),
                       Tensor(shape: [3, 6], scalars: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
                                                       0.5, 0.5, 1, 2, 3, 0.5,
                                                       0.5, 0.5, 4, 5, 6, 0.5]))
        let reflect = try makeOperator(PadOperator.self, inputs: 2, attributes: ["mode": .string("reflect")])
        XCTAssertEqual(shapeOpFloat(try reflect.forward([x, D.ints([1, 2, 1, 1])])[0]),
                       Tensor(shape: [4, 6], scalars: [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2]))
        let edge = try makeOperator(PadOperator.self, inputs: 2, attributes: ["mode": .string("edge")])
        XCTAssertEqual(shapeOpFloat(try edge.forward([x, D.ints([1, 2, 1, 1])])[0]),
                       Tensor(shape: [4, 6], scalars: [1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6, 4, 4, 4, 5, 6, 6]))
        // Negative pads crop.
        XCTAssertEqual(shapeOpFloat(try constant.forward([x, D.ints([0, -1, 0, 1]), nil])[0]),
                       Tensor(shape: [2, 3], scalars: [2, 3, 0, 5, 6, 0]))
        // Opset 18 axes input.
        let axes = try makeOperator(PadOperator.self, inputs: 4, opset: 18)
        XCTAssertEqual(shapeOpFloat(try axes.forward([x, D.ints([1, 0]), nil, D.ints([-1])])[0]),
                       Tensor(shape: [2, 4], scalars: [0, 1, 2, 3, 0, 4, 5, 6]))
        // Opset 2 attributes, and integers.
        let old = try makeOperator(PadOperator.self, attributes: ["pads": .ints([0, 1, 0, 0]), "value": .float(-1)], opset: 2)
        XCTAssertEqual(shapeOpFloat(try old.forward([x])[0]), Tensor(shape: [2, 4], scalars: [-1, 1, 2, 3, -1, 4, 5, 6]))
        XCTAssertEqual(shapeOpInt(try constant.forward([D.ints([7, 8]), D.ints([1, 0]), D.int([], [9])])[0]),
                       IntTensor(vector: [9, 7, 8]))
        // Rank 3 against the direct definition.
        let y = D.distinct([3, 4, 5])
        for mode in ["constant", "reflect", "edge"] {
            let op = try makeOperator(PadOperator.self, inputs: 2, attributes: ["mode": .string(mode)])
            let out = shapeOpFloat(try op.forward([.float(y), D.ints([1, 0, 3, 2, 3, 1])])[0])
            XCTAssertEqual(out, naivePad(y, before: [1, 0, 3], after: [2, 3, 1], mode: mode), mode)
        }
    }

    func testPadFactsAndRefusals() throws {
        let op = try makeOperator(PadOperator.self, inputs: 3, attributes: ["mode": .string("reflect")])
        XCTAssertEqual(try op.inferFacts([D.facts([1, 2, 5, 5]), D.constant(D.ints([0, 0, 1, 2, 0, 0, 3, 4])), nil])[0].shape,
                       [1, 2, 9, 11])
        assertShapeOpThrows("must be smaller") { try op.inferFacts([D.facts([2, 3]), D.constant(D.ints([0, 3, 0, 0])), nil]) }
        assertShapeOpThrows("expected 4") { try op.inferFacts([D.facts([2, 3]), D.constant(D.ints([0, 1])), nil]) }
        assertShapeOpThrows("must be a constant") { try op.inferFacts([D.facts([2, 3]), D.facts([4], .integer), nil]) }
        assertShapeOpThrows("must be a constant") {
            try op.inferFacts([D.facts([2, 3]), D.constant(D.ints([0, 1, 0, 0])), D.facts([])])
        }
        assertShapeOpThrows("not supported") { try makeOperator(PadOperator.self, attributes: ["mode": .string("wrap")]) }
    }

    func testPadGradients() throws {
        let x = D.distinct([2, 3, 4])
        for mode in ["constant", "reflect", "edge"] {
            let op = try makeOperator(PadOperator.self, inputs: 3, attributes: ["mode": .string(mode)])
            try checkGradients(of: op, inputs: [.float(x), D.ints([1, 2, 3, 0, 1, 2]), nil], checked: [0])
            try checkGradients(of: op, inputs: [.float(x), D.ints([0, -1, 1, 1, 0, -1]), nil], checked: [0])
        }
    }
}
