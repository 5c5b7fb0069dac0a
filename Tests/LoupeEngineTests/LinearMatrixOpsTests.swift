import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Gemm and MatMul against naive loops, gradients for every input, refusals.
final class LinearMatrixOpsTests: XCTestCase {
    func testGemmAllTransposesAndBroadcasts() throws {
        var random = TestRandom(seed: 31)
        let (m, k, n) = (3, 4, 5)
        let cShapes: [[Int]?] = [nil, [], [n], [1, n], [m, 1], [m, n]]
        for transA in [0, 1] {
            for transB in [0, 1] {
                for cShape in cShapes {
                    let a = random.tensor(transA == 1 ? [k, m] : [m, k]), b = random.tensor(transB == 1 ? [n, k] : [k, n])
                    let c = cShape.map { random.tensor($0) }
                    let op = try makeOperator(GemmOperator.self, inputs: c == nil ? 2 : 3,
                                              attributes: ["transA": .int(transA), "transB": .int(transB),
                                                           "alpha": .float(0.5), "beta": .float(2)])
                    let opA = transA == 1 ? LinearReference.transpose(a.scalars, rows: k, cols: m) : a.scalars
                    let opB = transB == 1 ? LinearReference.transpose(b.scalars, rows: n, cols: k) : b.scalars
                    var expected = LinearReference.matmul(opA, opB, m: m, k: k, n: n).map { 0.5 * $0 }
                    if let c {
                        let full = [Int](repeating: 1, count: 2 - c.shape.count) + c.shape
                        for i in 0..<m {
                            for j in 0..<n { expected[i * n + j] += 2 * c.scalars[(full[0] == 1 ? 0 : i) * full[1] + (full[1] == 1 ? 0 : j)] }
                        }
                    }
                    let inputs: [TensorValue?] = [.float(a), .float(b)] + (c.map { [.float($0)] } ?? [])
                    let label = "transA \(transA) transB \(transB) C \(String(describing: cShape))"
                    assertClose(try op.forward(inputs)[0].asFloat, Tensor(shape: [m, n], scalars: expected), relativeTo: 1e-5, label)
                    XCTAssertEqual(try op.inferFacts(inputs.map { $0.map { ValueFacts(shape: $0.shape) } })[0].shape, [m, n])
                    try checkGradients(of: op, inputs: inputs, tolerance: 1e-2)
                }
            }
        }
    }

    func testGemmHandComputedAndRefusals() throws {
        let op = try makeOperator(GemmOperator.self, inputs: 3)
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        let out = try op.forward([.float(a), .float(b), .float(Tensor(shape: [2], scalars: [1, -1]))])[0].asFloat
        XCTAssertEqual(out, Tensor(shape: [2, 2], scalars: [20, 21, 44, 49]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: [2, 3])]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: [3, 4]), ValueFacts(shape: [3])]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: [3, 4]), ValueFacts(shape: [3, 4])]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3, 1]), ValueFacts(shape: [3, 4])]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3], element: .integer), ValueFacts(shape: [3, 4])]))
    }

    /// Naive broadcast batched matmul over explicit (already promoted) shapes.
    func naiveMatMul(_ a: Tensor, _ b: Tensor, aShape: [Int], bShape: [Int], batch: [Int]) -> [Float] {
        let (m, k, n) = (aShape[aShape.count - 2], aShape[aShape.count - 1], bShape[bShape.count - 1])
        let rank = batch.count
        let ab = [Int](repeating: 1, count: rank - (aShape.count - 2)) + aShape.dropLast(2)
        let bb = [Int](repeating: 1, count: rank - (bShape.count - 2)) + bShape.dropLast(2)
        var out = [Float]()
        let total = batch.reduce(1, *)
        for flat in 0..<total {
            var rest = flat, ai = 0, bi = 0, aStride = 1, bStride = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                let index = rest % batch[axis]
                rest /= batch[axis]
                ai += (ab[axis] == 1 ? 0 : index) * aStride
                bi += (bb[axis] == 1 ? 0 : index) * bStride
                aStride *= ab[axis]
                bStride *= bb[axis]
            }
            out += LinearReference.matmul(Array(a.scalars[(ai * m * k)..<((ai + 1) * m * k)]),
                                          Array(b.scalars[(bi * k * n)..<((bi + 1) * k * n)]), m: m, k: k, n: n)
        }
        return out
    }

    func testMatMulShapesAgainstNaive() throws {
        var random = TestRandom(seed: 41)
        // (A shape, B shape, result shape, promoted A, promoted B, batch)
        let cases: [([Int], [Int], [Int], [Int], [Int], [Int])] = [
            ([3, 4], [4, 5], [3, 5], [3, 4], [4, 5], []),
            ([2, 3, 4], [4, 5], [2, 3, 5], [2, 3, 4], [4, 5], [2]),
            ([2, 1, 3, 4], [3, 4, 2], [2, 3, 3, 2], [2, 1, 3, 4], [3, 4, 2], [2, 3]),
            ([4, 5], [2, 5, 3], [2, 4, 3], [4, 5], [2, 5, 3], [2]),
            ([4], [4, 3], [3], [1, 4], [4, 3], []),
            ([2, 3], [3], [2], [2, 3], [3, 1], []),
            ([3], [3], [], [1, 3], [3, 1], []),
            ([5], [2, 5, 3], [2, 3], [1, 5], [2, 5, 3], [2]),
            ([2, 2, 3], [3], [2, 2], [2, 2, 3], [3, 1], [2]),
        ]
        let op = try makeOperator(MatMulOperator.self, inputs: 2)
        for (aShape, bShape, yShape, pa, pb, batch) in cases {
            let a = random.tensor(aShape), b = random.tensor(bShape)
            let label = "\(aShape) x \(bShape)"
            let out = try op.forward([.float(a), .float(b)])[0].asFloat
            XCTAssertEqual(out.shape, yShape, label)
            let expected = naiveMatMul(a, b, aShape: pa, bShape: pb, batch: batch)
            assertClose(out, Tensor(shape: yShape, scalars: expected), relativeTo: 1e-5, label)
            XCTAssertEqual(try op.inferFacts([ValueFacts(shape: aShape), ValueFacts(shape: bShape)])[0].shape, yShape, label)
            try checkGradients(of: op, inputs: [.float(a), .float(b)], tolerance: 1e-2)
        }
    }

    func testMatMulHandComputedAndRefusals() throws {
        let op = try makeOperator(MatMulOperator.self, inputs: 2)
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 1], scalars: [1, -1])
        XCTAssertEqual(try op.forward([.float(a), .float(b)])[0].asFloat, Tensor(shape: [2, 1], scalars: [-1, -1]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: [4, 5])]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 2, 3]), ValueFacts(shape: [3, 3, 5])]))
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: []), ValueFacts(shape: [3, 5])]))
        // A zero-sized inner dimension gives zeros, not a BLAS error.
        let empty = try op.forward([.float(Tensor(shape: [2, 0])), .float(Tensor(shape: [0, 3]))])[0].asFloat
        XCTAssertEqual(empty, Tensor(shape: [2, 3]))
    }
}
