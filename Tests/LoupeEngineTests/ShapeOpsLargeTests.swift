import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Tensors large enough to take the kernels' parallel paths, against direct references.
final class ShapeOpsLargeTests: XCTestCase {
    typealias D = ShapeTestData

    func testTransposeConcatSliceLarge() throws {
        let x = D.iota([4, 16, 33, 40]) // 84 480 elements
        let op = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints([0, 2, 3, 1])])
        let out = shapeOpFloat(try op.forward([.float(x)])[0])
        XCTAssertEqual(out.shape, [4, 33, 40, 16])
        var mismatches = 0
        for n in 0..<4 { for h in 0..<33 { for w in 0..<40 { for c in 0..<16 {
            let source: Int = ((n * 16 + c) * 33 + h) * 40 + w
            let target: Int = ((n * 33 + h) * 40 + w) * 16 + c
            if out.scalars[target] != Float(source) { mismatches += 1 }
        } } } }
        XCTAssertEqual(mismatches, 0)

        let concat = try makeOperator(ConcatOperator.self, inputs: 2, attributes: ["axis": .int(1)])
        let y = D.iota([4, 8, 33, 40])
        let joined = shapeOpFloat(try concat.forward([.float(x), .float(y)])[0])
        XCTAssertEqual(joined.shape, [4, 24, 33, 40])
        let plane = 33 * 40
        for n in 0..<4 {
            XCTAssertEqual(Array(joined.scalars[(n * 24) * plane..<(n * 24 + 16) * plane]), Array(x.scalars[n * 16 * plane..<(n + 1) * 16 * plane]))
            XCTAssertEqual(Array(joined.scalars[(n * 24 + 16) * plane..<(n + 1) * 24 * plane]), Array(y.scalars[n * 8 * plane..<(n + 1) * 8 * plane]))
        }

        let slice = try makeOperator(SliceOperator.self, inputs: 5)
        let cut = shapeOpFloat(try slice.forward([.float(x), D.ints([-1]), D.ints([Int.min]), D.ints([3]), D.ints([-1])])[0])
        XCTAssertEqual(cut.shape, x.shape)
        XCTAssertEqual(cut.scalars[0], 39)
        XCTAssertEqual(cut.scalars[x.count - 1], Float(x.count - 40))
    }

    func testReduceAndResizeLarge() throws {
        let x = D.distinct([8, 16, 24, 24]) // 73 728 elements
        let mean = try makeOperator(ReduceMeanOperator.self, attributes: ["axes": .ints([2, 3])], opset: 13)
        let m = shapeOpFloat(try mean.forward([.float(x)])[0])
        for k in [0, 17, 127] {
            let direct = x.scalars[(k * 576)..<((k + 1) * 576)].reduce(0, +) / 576
            XCTAssertEqual(m.scalars[k], direct, accuracy: 1e-3)
        }
        let sum = try makeOperator(ReduceSumOperator.self, inputs: 2, opset: 13)
        let s = shapeOpFloat(try sum.forward([.float(x), D.ints([1])])[0])
        var direct: Float = 0
        for c in 0..<16 {
            let index: Int = ((3 * 16 + c) * 24 + 5) * 24 + 7
            direct += x.scalars[index]
        }
        let reducedIndex: Int = (3 * 24 + 5) * 24 + 7
        XCTAssertEqual(s.scalars[reducedIndex], direct, accuracy: 1e-3)

        let resize = try makeOperator(ResizeOperator.self, inputs: 3, attributes: [
            "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor"),
        ], opset: 13)
        let r = shapeOpFloat(try resize.forward([.float(x), nil, D.floats([1, 1, 2, 2])])[0])
        XCTAssertEqual(r.shape, [8, 16, 48, 48])
        let outIndex: Int = ((5 * 16 + 3) * 48 + 41) * 48 + 13
        let inIndex: Int = ((5 * 16 + 3) * 24 + 20) * 24 + 6
        XCTAssertEqual(r.scalars[outIndex], x.scalars[inIndex])
    }
}
