@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// A backward keeps only the forward inputs it reads for the gradients wanted (`Operator.inputsRead`),
/// and computes those gradients from the planned shapes of the inputs it did not keep.
final class BackwardSavedInputsTests: XCTestCase {
    var random = TestRandom(seed: 41)

    func testWhichInputsEachOperatorKeeps() throws {
        for (name, op) in [("MatMul", try makeOperator(MatMulOperator.self, inputs: 2) as any Operator),
                           ("Conv", try makeOperator(ConvOperator.self, inputs: 3)),
                           ("Gemm", try makeOperator(GemmOperator.self, inputs: 3)),
                           ("Mul", try makeOperator(MulOperator.self, inputs: 2))] {
            let count = name == "Conv" || name == "Gemm" ? 3 : 2
            let onlyFirst = [true] + [Bool](repeating: false, count: count - 1)
            XCTAssertEqual(op.inputsRead(wanting: onlyFirst), [false, true] + [Bool](repeating: false, count: count - 2),
                           "\(name): the first operand's gradient reads the second only")
            XCTAssertEqual(op.inputsRead(wanting: [Bool](repeating: true, count: count)),
                           [true, true] + [Bool](repeating: false, count: count - 2), "\(name): both gradients read both")
        }
        for op in [try makeOperator(AddOperator.self, inputs: 2) as any Operator, try makeOperator(SubOperator.self, inputs: 2),
                   try makeOperator(TransposeOperator.self), try makeOperator(ReshapeOperator.self, inputs: 2),
                   try makeOperator(FlattenOperator.self), try makeOperator(IdentityOperator.self)] {
            XCTAssertEqual(op.inputsRead(wanting: [Bool](repeating: true, count: 2)), [false, false], "\(type(of: op))")
        }
        XCTAssertEqual(try makeOperator(DivOperator.self, inputs: 2).inputsRead(wanting: [true, false]), [true, true],
                       "the default keeps every input")
    }

    /// dX of MatMul(X, W) from W alone equals the gradient computed with X kept.
    func testMatMulInputGradientNeedsOnlyTheWeight() throws {
        let op = try makeOperator(MatMulOperator.self, inputs: 2)
        let (x, w, dy) = (random.tensor([2, 3, 4]), random.tensor([4, 5]), random.tensor([2, 3, 5]))
        let kept = try op.backward(BackwardContext(inputs: [.float(x), .float(w)], outputs: [], outputGradients: [dy],
                                                   wantsInputGradient: [true, false]))
        let shapesOnly = try op.backward(BackwardContext(inputs: [nil, .float(w)], outputs: [], outputGradients: [dy],
                                                         wantsInputGradient: [true, false], inputShapes: [[2, 3, 4], [4, 5]]))
        XCTAssertEqual(try XCTUnwrap(shapesOnly[0]), try XCTUnwrap(kept[0]))
        XCTAssertNil(shapesOnly[1])
    }

    /// dX of Conv(X, W, B) from W and the shapes alone equals the gradient computed with X kept.
    func testConvInputGradientNeedsOnlyTheWeight() throws {
        let op = try makeOperator(ConvOperator.self, inputs: 3, attributes: ["pads": .ints([1, 1, 1, 1])])
        let (x, w, b, dy) = (random.tensor([2, 3, 5, 5]), random.tensor([4, 3, 3, 3]), random.tensor([4]), random.tensor([2, 4, 5, 5]))
        let kept = try op.backward(BackwardContext(inputs: [.float(x), .float(w), .float(b)], outputs: [], outputGradients: [dy],
                                                   wantsInputGradient: [true, false, false]))
        let shapesOnly = try op.backward(BackwardContext(inputs: [nil, .float(w), nil], outputs: [], outputGradients: [dy],
                                                         wantsInputGradient: [true, false, false],
                                                         inputShapes: [[2, 3, 5, 5], [4, 3, 3, 3], [4]]))
        XCTAssertEqual(try XCTUnwrap(shapesOnly[0]), try XCTUnwrap(kept[0]))
    }

    /// Transpose and Add need no input at all, only the planned shapes.
    func testShapeOnlyBackwards() throws {
        let transpose = try makeOperator(TransposeOperator.self, attributes: ["perm": .ints([0, 2, 1])])
        let dy = random.tensor([2, 4, 3])
        let dx = try XCTUnwrap(try transpose.backward(BackwardContext(inputs: [nil], outputs: [], outputGradients: [dy],
                                                                      wantsInputGradient: [true], inputShapes: [[2, 3, 4]]))[0])
        XCTAssertEqual(dx.shape, [2, 3, 4])
        XCTAssertEqual(dx.scalars[1], dy.scalars[3], "dx[0, 0, 1] = dy[0, 1, 0]")
        let add = try makeOperator(AddOperator.self, inputs: 2)
        let g = random.tensor([2, 3])
        let grads = try add.backward(BackwardContext(inputs: [nil, nil], outputs: [], outputGradients: [g],
                                                     wantsInputGradient: [true, true], inputShapes: [[2, 3], [3]]))
        XCTAssertEqual(grads[0], g)
        XCTAssertEqual(try XCTUnwrap(grads[1]).scalars, [g.scalars[0] + g.scalars[3], g.scalars[1] + g.scalars[4], g.scalars[2] + g.scalars[5]])
    }
}
