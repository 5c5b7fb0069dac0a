import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// ReduceMean, ReduceSum, ReduceMax, Resize, Upsample.
final class ShapeOpsReduceResizeTests: XCTestCase {
    typealias D = ShapeTestData

    func testReduceSum() throws {
        let x = D.iota([2, 3]) // [0 1 2] [3 4 5]
        let op = try makeOperator(ReduceSumOperator.self, inputs: 2, attributes: ["keepdims": .int(0)], opset: 13)
        XCTAssertEqual(shapeOpFloat(try op.forward([.float(x), D.ints([1])])[0]), Tensor(shape: [2], scalars: [3, 12]))
        XCTAssertEqual(shapeOpFloat(try op.forward([.float(x), D.ints([-2])])[0]), Tensor(shape: [3], scalars: [3, 5, 7]))
        XCTAssertEqual(shapeOpFloat(try op.forward([.float(x), nil])[0]), Tensor(shape: [], scalars: [15]))
        let keep = try makeOperator(ReduceSumOperator.self, inputs: 2, opset: 13)
        XCTAssertEqual(shapeOpFloat(try keep.forward([.float(x), D.ints([1])])[0]), Tensor(shape: [2, 1], scalars: [3, 12]))
        XCTAssertEqual(try keep.inferFacts([D.facts([2, 3, 4]), D.constant(D.ints([0, 2]))])[0].shape, [1, 3, 1])
        XCTAssertEqual(try op.inferFacts([D.facts([2, 3, 4]), nil])[0].shape, [])
        let noop = try makeOperator(ReduceSumOperator.self, inputs: 2, attributes: ["noop_with_empty_axes": .int(1)], opset: 13)
        XCTAssertEqual(shapeOpFloat(try noop.forward([.float(x), D.ints([])])[0]), x)
        XCTAssertEqual(try noop.inferFacts([D.facts([2, 3]), nil])[0].shape, [2, 3])
        let old = try makeOperator(ReduceSumOperator.self, attributes: ["axes": .ints([0])], opset: 11)
        XCTAssertEqual(shapeOpFloat(try old.forward([.float(x)])[0]), Tensor(shape: [1, 3], scalars: [3, 5, 7]))
        XCTAssertEqual(shapeOpInt(try old.forward([D.int([2, 2], [1, 2, 3, 4])])[0]), IntTensor(shape: [1, 2], values: [4, 6]))
        assertShapeOpThrows("must be a constant") { try op.inferFacts([D.facts([2, 3]), D.facts([1], .integer)]) }
        assertShapeOpThrows("out of range") { try op.forward([.float(x), D.ints([2])]) }
        try checkGradients(of: op, inputs: [.float(D.distinct([2, 3, 4])), D.ints([0, 2])], checked: [0])
        try checkGradients(of: old, inputs: [.float(D.distinct([3, 2]))])
    }

    /// Direct reduction by coordinates (sum or max over `axes`, keep-dims layout).
    func naiveReduce(_ x: Tensor, axes: Set<Int>, max useMax: Bool) -> Tensor {
        let outShape = x.shape.indices.map { axes.contains($0) ? 1 : x.shape[$0] }
        var out = Tensor(shape: outShape, repeating: useMax ? -.infinity : 0)
        let outStrides = out.strides
        for flat in 0..<x.count {
            var rest = flat, offset = 0
            for axis in stride(from: x.rank - 1, through: 0, by: -1) {
                let c = rest % x.shape[axis]
                rest /= x.shape[axis]
                if !axes.contains(axis) { offset += c * outStrides[axis] }
            }
            out.scalars[offset] = useMax ? max(out.scalars[offset], x.scalars[flat]) : out.scalars[offset] + x.scalars[flat]
        }
        return out
    }

    func testReduceMeanAndMax() throws {
        let x = D.distinct([2, 3, 4, 5])
        for axes in [[2, 3], [1], [0, 2], [1, -1], [0, 1, 2, 3]] {
            let set = Set(axes.map { $0 < 0 ? $0 + 4 : $0 })
            let count = Float(set.reduce(1) { $0 * x.shape[$1] })
            let mean17 = try makeOperator(ReduceMeanOperator.self, attributes: ["axes": .ints(axes)], opset: 17)
            var expected = naiveReduce(x, axes: set, max: false)
            expected.scalars = expected.scalars.map { $0 / count }
            assertClose(shapeOpFloat(try mean17.forward([.float(x)])[0]), expected, "mean \(axes)")
            let mean18 = try makeOperator(ReduceMeanOperator.self, inputs: 2, attributes: ["keepdims": .int(0)], opset: 18)
            XCTAssertEqual(try mean18.forward([.float(x), D.ints(axes)])[0].shape, (0..<4).filter { !set.contains($0) }.map { x.shape[$0] })
            let max18 = try makeOperator(ReduceMaxOperator.self, inputs: 2, opset: 18)
            XCTAssertEqual(shapeOpFloat(try max18.forward([.float(x), D.ints(axes)])[0]), naiveReduce(x, axes: set, max: true), "max \(axes)")
        }
        let mean = try makeOperator(ReduceMeanOperator.self, attributes: ["axes": .ints([2, 3]), "keepdims": .int(0)], opset: 13)
        XCTAssertEqual(try mean.inferFacts([D.facts([2, 3, 4, 5])])[0].shape, [2, 3])
        try checkGradients(of: mean, inputs: [.float(D.distinct([2, 2, 2, 3]))])
        let max13 = try makeOperator(ReduceMaxOperator.self, attributes: ["axes": .ints([1])], opset: 13)
        try checkGradients(of: max13, inputs: [.float(D.distinct([2, 3, 2]))])
        let max18 = try makeOperator(ReduceMaxOperator.self, inputs: 2, opset: 18)
        try checkGradients(of: max18, inputs: [.float(D.distinct([2, 3, 2])), D.ints([0, 2])], checked: [0])
        assertShapeOpThrows("must be a constant") { try max18.inferFacts([D.facts([2, 3]), D.facts([1], .integer)]) }
        assertShapeOpThrows("repeated axis") { try max18.forward([.float(x), D.ints([1, -3])]) }
    }

    func testReduceMaxRoutesToFirstMaximum() throws {
        let op = try makeOperator(ReduceMaxOperator.self, attributes: ["keepdims": .int(0)], opset: 13)
        let x = Tensor(shape: [2, 2], scalars: [1, 3, 3, 2])
        XCTAssertEqual(shapeOpFloat(try op.forward([.float(x)])[0]), Tensor(scalar: 3))
        let context = BackwardContext(inputs: [.float(x)], outputs: [nil], outputGradients: [Tensor(scalar: 2)],
                                      wantsInputGradient: [true])
        XCTAssertEqual(try op.backward(context)[0], Tensor(shape: [2, 2], scalars: [0, 2, 0, 0]))
        let rows = try makeOperator(ReduceMaxOperator.self, attributes: ["axes": .ints([0])], opset: 13)
        let y = Tensor(shape: [2, 2], scalars: [5, 1, 5, 1])
        let ctx = BackwardContext(inputs: [.float(y)], outputs: [nil], outputGradients: [Tensor(shape: [1, 2], scalars: [1, 1])],
                                  wantsInputGradient: [true])
        XCTAssertEqual(try rows.backward(ctx)[0], Tensor(shape: [2, 2], scalars: [1, 1, 0, 0]))
    }

    func testResizeNearest() throws {
        let x = D.float([1, 1, 2, 2], [1, 2, 3, 4])
        let asym = try makeOperator(ResizeOperator.self, inputs: 3, attributes: [
            "mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor"),
        ], opset: 13)
        XCTAssertEqual(shapeOpFloat(try asym.forward([x, nil, D.floats([1, 1, 2, 2])])[0]),
                       Tensor(shape: [1, 1, 4, 4], scalars: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]))
        // half_pixel, round_prefer_floor, width ×1.5: sources (x+0.5)/1.5-0.5 = -0.17, 0.5, 1.17 → 0, 0, 1.
        let half = try makeOperator(ResizeOperator.self, inputs: 3, opset: 13)
        XCTAssertEqual(shapeOpFloat(try half.forward([x, nil, D.floats([1, 1, 1, 1.5])])[0]),
                       Tensor(shape: [1, 1, 2, 3], scalars: [1, 1, 2, 3, 3, 4]))
        let ceilHalf = try makeOperator(ResizeOperator.self, inputs: 3, attributes: ["nearest_mode": .string("round_prefer_ceil")], opset: 13)
        XCTAssertEqual(shapeOpFloat(try ceilHalf.forward([x, nil, D.floats([1, 1, 1, 1.5])])[0]),
                       Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 2, 3, 4, 4]))
        // Sizes (opset 11 keeps scales as an empty input); ceil mode downsampling 4 → 2: sources 0.5, 2.5 → 1, 3.
        let sizes = try makeOperator(ResizeOperator.self, inputs: 4, attributes: ["nearest_mode": .string("ceil")], opset: 11)
        let row = D.float([1, 4], [10, 11, 12, 13])
        XCTAssertEqual(shapeOpFloat(try sizes.forward([row, D.floats([]), D.floats([]), D.ints([1, 2])])[0]),
                       Tensor(shape: [1, 2], scalars: [11, 13]))
        XCTAssertEqual(try sizes.inferFacts([D.facts([1, 4]), D.constant(D.floats([])), D.constant(D.floats([])),
                                             D.constant(D.ints([3, 2]))])[0].shape, [3, 2])
        XCTAssertEqual(ResizeNearestMode.roundPreferFloor.pick(1.5), 1)
        XCTAssertEqual(ResizeNearestMode.roundPreferCeil.pick(1.5), 2)
        XCTAssertEqual(ResizeNearestMode.roundPreferFloor.pick(1.6), 2)
        XCTAssertEqual(ResizeNearestMode.floor.pick(1.9), 1)
        XCTAssertEqual(ResizeNearestMode.ceil.pick(1.1), 2)
        try checkGradients(of: half, inputs: [.float(D.distinct([1, 2, 3, 2])), nil, D.floats([1, 1, 2, 1.5])], checked: [0])
        try checkGradients(of: asym, inputs: [.float(D.distinct([1, 1, 4, 4])), nil, D.floats([1, 1, 0.5, 0.75])], checked: [0])
    }

    func testResizeLinear() throws {
        let x = D.float([1, 1, 2, 2], [1, 2, 3, 4])
        let half = try makeOperator(ResizeOperator.self, inputs: 3, attributes: ["mode": .string("linear")], opset: 13)
        assertClose(shapeOpFloat(try half.forward([x, nil, D.floats([1, 1, 2, 2])])[0]),
                    Tensor(shape: [1, 1, 4, 4], scalars: [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5,
                                                          2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]))
        let corners = try makeOperator(ResizeOperator.self, inputs: 4, attributes: [
            "mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners"),
        ], opset: 13)
        assertClose(shapeOpFloat(try corners.forward([x, nil, nil, D.ints([1, 1, 3, 3])])[0]),
                    Tensor(shape: [1, 1, 3, 3], scalars: [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]))
        let asym = try makeOperator(ResizeOperator.self, inputs: 3, attributes: [
            "mode": .string("linear"), "coordinate_transformation_mode": .string("asymmetric"),
        ], opset: 18)
        assertClose(shapeOpFloat(try asym.forward([D.float([1, 2], [1, 2]), nil, D.floats([1, 2])])[0]),
                    Tensor(shape: [1, 4], scalars: [1, 1.5, 2, 2]))
        // pytorch_half_pixel maps a length-1 output to coordinate 0; half_pixel to the centre.
        let torch = try makeOperator(ResizeOperator.self, inputs: 4, attributes: [
            "mode": .string("linear"), "coordinate_transformation_mode": .string("pytorch_half_pixel"),
        ], opset: 13)
        let row = D.float([1, 4], [10, 11, 12, 13])
        assertClose(shapeOpFloat(try torch.forward([row, nil, nil, D.ints([1, 1])])[0]), Tensor(shape: [1, 1], scalars: [10]))
        let centre = try makeOperator(ResizeOperator.self, inputs: 4, attributes: ["mode": .string("linear")], opset: 13)
        assertClose(shapeOpFloat(try centre.forward([row, nil, nil, D.ints([1, 1])])[0]), Tensor(shape: [1, 1], scalars: [11.5]))
        // Downscale by 2 (half_pixel): sources 0.5, 2.5.
        assertClose(shapeOpFloat(try half.forward([D.float([1, 1, 1, 4], [10, 11, 12, 13]), nil, D.floats([1, 1, 1, 0.5])])[0]),
                    Tensor(shape: [1, 1, 1, 2], scalars: [10.5, 12.5]))
        try checkGradients(of: half, inputs: [.float(D.distinct([2, 1, 3, 2])), nil, D.floats([1, 1, 2, 1.5])], checked: [0])
        try checkGradients(of: half, inputs: [.float(D.distinct([1, 2, 4, 4])), nil, D.floats([1, 1, 0.5, 0.75])], checked: [0])
        try checkGradients(of: corners, inputs: [.float(D.distinct([1, 1, 3, 2])), nil, nil, D.ints([1, 1, 4, 5])], checked: [0])
    }

    func testResizeAxesAndOpset10() throws {
        let axes = try makeOperator(ResizeOperator.self, inputs: 3, attributes: [
            "axes": .ints([-1]), "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor"),
        ], opset: 18)
        let x = D.float([1, 1, 2, 2], [1, 2, 3, 4])
        XCTAssertEqual(shapeOpFloat(try axes.forward([x, nil, D.floats([2])])[0]),
                       Tensor(shape: [1, 1, 2, 4], scalars: [1, 1, 2, 2, 3, 3, 4, 4]))
        XCTAssertEqual(try axes.inferFacts([D.facts([1, 1, 2, 2]), nil, D.constant(D.floats([3]))])[0].shape, [1, 1, 2, 6])
        assertShapeOpThrows("for 1 axes") { try axes.forward([x, nil, D.floats([1, 2])]) }
        // Opset 10: inputs X, scales; asymmetric coordinates, floor when enlarging.
        let v10 = try makeOperator(ResizeOperator.self, inputs: 2, opset: 10)
        XCTAssertEqual(shapeOpFloat(try v10.forward([D.float([1, 3], [1, 2, 3]), D.floats([1, 2])])[0]),
                       Tensor(shape: [1, 6], scalars: [1, 1, 2, 2, 3, 3]))
        XCTAssertEqual(try v10.inferFacts([D.facts([1, 3]), D.constant(D.floats([2, 2]))])[0].shape, [2, 6])
        assertShapeOpThrows("antialias") {
            try makeOperator(ResizeOperator.self, inputs: 3, attributes: ["antialias": .int(1)], opset: 18)
        }
    }

    func testResizeRefusals() throws {
        assertShapeOpThrows("'cubic' is not supported") {
            try makeOperator(ResizeOperator.self, inputs: 3, attributes: ["mode": .string("cubic")], opset: 13)
        }
        assertShapeOpThrows("tf_crop_and_resize") {
            try makeOperator(ResizeOperator.self, inputs: 3, attributes: ["coordinate_transformation_mode": .string("tf_crop_and_resize")], opset: 13)
        }
        let op = try makeOperator(ResizeOperator.self, inputs: 4, attributes: ["mode": .string("linear")], opset: 13)
        assertShapeOpThrows("must be a constant") { try op.inferFacts([D.facts([1, 1, 2, 2]), nil, D.facts([4]), nil]) }
        assertShapeOpThrows("must be a constant") { try op.inferFacts([D.facts([1, 1, 2, 2]), nil, nil, D.facts([4], .integer)]) }
        assertShapeOpThrows("needs scales or sizes") { try op.inferFacts([D.facts([1, 1, 2, 2]), nil, nil, nil]) }
        assertShapeOpThrows("last two axes") {
            try op.inferFacts([D.facts([1, 1, 2, 2]), nil, D.constant(D.floats([1, 2, 2, 2])), nil])
        }
        XCTAssertEqual(try op.inferFacts([D.facts([1, 3, 5, 7]), nil, D.constant(D.floats([1, 1, 2, 0.5])), nil])[0].shape,
                       [1, 3, 10, 3])
    }

    func testUpsample() throws {
        let x = D.float([1, 1, 2, 2], [1, 2, 3, 4])
        let attr = try makeOperator(UpsampleOperator.self, attributes: ["scales": .floats([1, 1, 2, 2])], opset: 7)
        XCTAssertEqual(shapeOpFloat(try attr.forward([x])[0]),
                       Tensor(shape: [1, 1, 4, 4], scalars: [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]))
        XCTAssertEqual(try attr.inferFacts([D.facts([2, 3, 4, 5])])[0].shape, [2, 3, 8, 10])
        let input = try makeOperator(UpsampleOperator.self, inputs: 2, attributes: ["mode": .string("linear")], opset: 9)
        assertClose(shapeOpFloat(try input.forward([x, D.floats([1, 1, 1, 2])])[0]),
                    Tensor(shape: [1, 1, 2, 4], scalars: [1, 1.5, 2, 2, 3, 3.5, 4, 4]))
        XCTAssertEqual(try input.inferFacts([D.facts([1, 1, 2, 2]), D.constant(D.floats([1, 1, 3, 3]))])[0].shape, [1, 1, 6, 6])
        assertShapeOpThrows("must be a constant") { try input.inferFacts([D.facts([1, 1, 2, 2]), D.facts([4])]) }
        try checkGradients(of: attr, inputs: [.float(D.distinct([1, 2, 2, 3]))])
        try checkGradients(of: input, inputs: [.float(D.distinct([1, 2, 2, 3])), D.floats([1, 1, 2, 3])], checked: [0])
    }
}
