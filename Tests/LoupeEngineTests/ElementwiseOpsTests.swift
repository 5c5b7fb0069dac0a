import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Broadcasting arithmetic (Add, Sub, Mul, Div, Pow, PRelu) and the broadcasting kernels.
final class ElementwiseOpsTests: XCTestCase {
    /// A direct reference: output shape and per-element index arithmetic written independently of the kernel.
    static func naive(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let rank = max(a.rank, b.rank)
        let pa = [Int](repeating: 1, count: rank - a.rank) + a.shape
        let pb = [Int](repeating: 1, count: rank - b.rank) + b.shape
        let shape = zip(pa, pb).map { max($0, $1) }
        let count = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        for flat in 0..<count {
            var rest = flat, ia = 0, ib = 0, sa = 1, sb = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let i = rest % shape[d]
                rest /= shape[d]
                ia += (pa[d] == 1 ? 0 : i) * sa
                ib += (pb[d] == 1 ? 0 : i) * sb
                sa *= pa[d]; sb *= pb[d]
            }
            out[flat] = f(a.scalars[ia], b.scalars[ib])
        }
        return Tensor(shape: shape, scalars: out)
    }

    static let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [5]), ([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], []),
        ([1, 3, 1, 5], [2, 1, 4, 1]), ([5], [2, 3, 4, 5]), ([3, 1, 1], [2, 3, 4, 5]), ([], [2, 3]),
        ([2, 3, 4, 5], [3, 4, 1]), ([4, 1], [3]), ([2, 1, 4], [1, 3, 1]), ([1], [1]),
    ]

    func testFloatArithmeticMatchesNaiveReferenceOnBroadcastShapes() throws {
        var random = TestRandom(seed: 7)
        let cases: [(FloatBinaryOp, (Float, Float) -> Float)] = [
            (.add, { $0 + $1 }), (.sub, { $0 - $1 }), (.mul, { $0 * $1 }), (.div, { $0 / $1 }),
            (.pow, { Float(Foundation.pow(Double($0), Double($1))) }), (.prelu, { $0 > 0 ? $0 : $0 * $1 }),
            (.max, { max($0, $1) }), (.min, { min($0, $1) }),
        ]
        for (aShape, bShape) in Self.shapePairs {
            let a = random.tensor(aShape, in: 0.5...2), b = random.tensor(bShape, in: -2...2)
            for (op, f) in cases {
                let actual = try broadcastBinary(a, b, op)
                assertClose(actual, Self.naive(a, b, f), relativeTo: 1e-5, "\(op) \(aShape) \(bShape)")
            }
        }
    }

    func testOperatorsMatchReferenceIncludingRequiredShapes() throws {
        var random = TestRandom(seed: 3)
        let add = try makeOperator(AddOperator.self, inputs: 2)
        let sub = try makeOperator(SubOperator.self, inputs: 2)
        let mul = try makeOperator(MulOperator.self, inputs: 2)
        let div = try makeOperator(DivOperator.self, inputs: 2)
        for (aShape, bShape) in Self.shapePairs {
            let a = random.tensor(aShape), b = random.tensor(bShape, in: 0.5...1.5)
            let inputs: [TensorValue?] = [.float(a), .float(b)]
            let expectedShape = Self.naive(a, b, +).shape
            XCTAssertEqual(try add.inferFacts([ValueFacts(shape: aShape), ValueFacts(shape: bShape)]),
                           [ValueFacts(shape: expectedShape, element: .float)])
            assertClose(try add.forward(inputs)[0].asFloat, Self.naive(a, b, +), relativeTo: 1e-6)
            assertClose(try sub.forward(inputs)[0].asFloat, Self.naive(a, b, -), relativeTo: 1e-6)
            assertClose(try mul.forward(inputs)[0].asFloat, Self.naive(a, b, *), relativeTo: 1e-6)
            assertClose(try div.forward(inputs)[0].asFloat, Self.naive(a, b, /), relativeTo: 1e-6)
        }
        // Hand-computed: [[1, 2, 3]] + [[10], [20]].
        let out = try add.forward([.float(Tensor(shape: [1, 3], scalars: [1, 2, 3])),
                                   .float(Tensor(shape: [2, 1], scalars: [10, 20]))])[0].asFloat
        XCTAssertEqual(out, Tensor(shape: [2, 3], scalars: [11, 12, 13, 21, 22, 23]))
    }

    func testLargeTensorsTakeParallelPathsCorrectly() throws {
        var random = TestRandom(seed: 11)
        // 65536 output elements: two chunks of the 32K grain on two or more workers.
        let pairs: [([Int], [Int])] = [([2, 8, 64, 64], [2, 8, 64, 64]), ([2, 8, 64, 64], [8, 1, 1]),
                                       ([2, 8, 64, 64], [64]), ([2, 1, 64, 64], [1, 8, 1, 64]), ([2, 8, 64, 64], [1])]
        for (aShape, bShape) in pairs {
            let a = random.tensor(aShape), b = random.tensor(bShape)
            XCTAssertEqual(try broadcastBinary(a, b, .add), Self.naive(a, b, +), "\(aShape) + \(bShape)")
            XCTAssertEqual(try broadcastBinary(b, a, .sub), Self.naive(b, a, -), "\(bShape) - \(aShape)")
        }
    }

    func testIntegerAddMulDiv() throws {
        let a = IntTensor(shape: [2, 3], values: [7, -7, 7, -7, 0, Int.min])
        let b = IntTensor(shape: [3], values: [2, 2, -2])
        let add = try makeOperator(AddOperator.self, inputs: 2)
        let mul = try makeOperator(MulOperator.self, inputs: 2)
        let div = try makeOperator(DivOperator.self, inputs: 2)
        let sub = try makeOperator(SubOperator.self, inputs: 2)
        XCTAssertEqual(try add.forward([.int(a), .int(b)]), [.int(IntTensor(shape: [2, 3], values: [9, -5, 5, -5, 2, Int.min &- 2]))])
        XCTAssertEqual(try mul.forward([.int(a), .int(b)]), [.int(IntTensor(shape: [2, 3], values: [14, -14, -14, -14, 0, 0]))])
        XCTAssertEqual(try sub.forward([.int(a), .int(b)]), [.int(IntTensor(shape: [2, 3], values: [5, -9, 9, -9, -2, Int.min &+ 2]))])
        // Truncation toward zero: 7/2 = 3, -7/2 = -3, 7/-2 = -3, -7/-2 = 3.
        XCTAssertEqual(try div.forward([.int(a), .int(b)]), [.int(IntTensor(shape: [2, 3], values: [3, -3, -3, -3, 0, Int.min / -2]))])
        XCTAssertEqual(try div.forward([.int(IntTensor(shape: [], values: [Int.min])), .int(IntTensor(shape: [], values: [-1]))]),
                       [.int(IntTensor(shape: [], values: [Int.min]))])
        XCTAssertEqual(try add.inferFacts([ValueFacts(shape: [2, 3], element: .integer), ValueFacts(shape: [3], element: .integer)]),
                       [ValueFacts(shape: [2, 3], element: .integer)])
        XCTAssertThrowsError(try div.forward([.int(a), .int(IntTensor(shape: [1], values: [0]))])) { error in
            XCTAssertTrue("\(error)".contains("division by zero"), "\(error)")
            XCTAssertTrue("\(error)".contains("test_Div"), "\(error)")
        }
        XCTAssertThrowsError(try makeOperator(PowOperator.self, inputs: 2).inferFacts(
            [ValueFacts(shape: [2], element: .integer), ValueFacts(shape: [2], element: .integer)]))
    }

    func testIncompatibleShapesAreRefusedClearly() throws {
        for type in [AddOperator.self, SubOperator.self, MulOperator.self, DivOperator.self, PowOperator.self] as [any Operator.Type] {
            let node = Node(name: "bad", opType: type.opType, inputs: ["a", "b"], outputs: ["y"])
            let op = try type.init(node: node, opset: 17)
            XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: [4])])) { error in
                guard let e = error as? LoupeError else { return XCTFail("not a LoupeError: \(error)") }
                XCTAssertEqual(e.kind, .invalidModel)
                XCTAssertTrue(e.description.contains("node 'bad'"), e.description)
                XCTAssertTrue(e.description.contains("[2, 3] and [4] cannot be broadcast"), e.description)
            }
            XCTAssertThrowsError(try op.forward([.float(Tensor(shape: [2, 3])), .float(Tensor(shape: [2]))]))
            XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), nil]))
        }
        XCTAssertThrowsError(try broadcastShape([1, 3, 4], [2, 3, 5]))
        // Empty tensors broadcast to empty results without touching memory.
        XCTAssertEqual(try broadcastBinary(Tensor(shape: [3, 0]), Tensor(shape: [3, 1], repeating: 1), .add), Tensor(shape: [3, 0]))
        XCTAssertEqual(try broadcastBinary(Tensor(shape: [0, 3]), Tensor(shape: [3], repeating: 1), .mul), Tensor(shape: [0, 3]))
        XCTAssertEqual(reduceGradient(Tensor(shape: [0, 3]), toShape: [3]), Tensor(shape: [3]))
        XCTAssertEqual(try broadcastShape([1, 3, 1, 5], [2, 1, 4, 1]), [2, 3, 4, 5])
        XCTAssertEqual(try broadcastShape([], [2, 3]), [2, 3])
    }

    func testReduceGradientSumsBroadcastAxes() {
        let g = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        XCTAssertEqual(reduceGradient(g, toShape: [2, 3, 2]), g)
        XCTAssertEqual(reduceGradient(g, toShape: []), Tensor(shape: [], scalars: [66]))
        XCTAssertEqual(reduceGradient(g, toShape: [1, 1, 1]), Tensor(shape: [1, 1, 1], scalars: [66]))
        XCTAssertEqual(reduceGradient(g, toShape: [2]), Tensor(shape: [2], scalars: [30, 36]))
        XCTAssertEqual(reduceGradient(g, toShape: [3, 1]), Tensor(shape: [3, 1], scalars: [14, 22, 30]))
        XCTAssertEqual(reduceGradient(g, toShape: [2, 1, 1]), Tensor(shape: [2, 1, 1], scalars: [15, 51]))
        XCTAssertEqual(reduceGradient(g, toShape: [2, 1, 2]), Tensor(shape: [2, 1, 2], scalars: [6, 9, 24, 27]))
        XCTAssertEqual(reduceGradient(g, toShape: [1, 3, 2]), Tensor(shape: [1, 3, 2], scalars: [6, 8, 10, 12, 14, 16]))
    }

    func testReduceProductSumsBlocksWithoutTheFullProduct() {
        var random = TestRandom(seed: 9)
        // Inner blocks of 37 (two 16-wide steps and a tail of 5) and of 1; outer axes of 1 and 2.
        for (shape, target) in [([2, 3, 37], [2, 3, 1]), ([2, 3, 37], [1, 3, 1]), ([4, 6], [4, 1]), ([2, 5, 3], [5, 1])] {
            let g = random.tensor(shape), x = random.tensor(shape)
            let expected = reduceGradient(zipElements(g, x) { $0 * $1 }, toShape: target)
            guard let fused = reduceProduct(g, x, toShape: target) else {
                XCTFail("\(shape) to \(target): not fused")
                continue
            }
            XCTAssertEqual(fused.shape, target)
            for (a, e) in zip(fused.scalars, expected.scalars) { XCTAssertEqual(a, e, accuracy: 1e-5 * max(1, abs(e)), "\(shape) to \(target)") }
        }
        // Not one contiguous block per result, or another shape: the caller keeps the general path.
        let g = random.tensor([2, 3, 4])
        XCTAssertNil(reduceProduct(g, random.tensor([2, 3, 4]), toShape: [2, 1, 4]))
        XCTAssertNil(reduceProduct(g, random.tensor([2, 3, 1]), toShape: [2, 3, 1]))
        XCTAssertNil(reduceProduct(g, g, toShape: [2, 3, 4]))
    }

    func testBinaryGradientsIncludingBroadcastOperands() throws {
        var random = TestRandom(seed: 5)
        let pairs: [([Int], [Int])] = [([2, 3, 2], [2, 3, 2]), ([2, 3, 2], [2]), ([2, 3, 2], [3, 1]),
                                       ([1, 3, 1, 2], [2, 1, 2, 1]), ([2, 3], []), ([3, 1], [2, 3, 2]),
                                       ([2, 3, 4, 5], [2, 3, 1, 1]), ([1, 3, 1, 1], [2, 3, 4, 5])]
        for (aShape, bShape) in pairs {
            let a = random.tensor(aShape, in: 0.5...2), b = random.tensor(bShape, in: 0.5...2)
            let inputs: [TensorValue?] = [.float(a), .float(b)]
            try checkGradients(of: makeOperator(AddOperator.self, inputs: 2), inputs: inputs)
            try checkGradients(of: makeOperator(SubOperator.self, inputs: 2), inputs: inputs)
            try checkGradients(of: makeOperator(MulOperator.self, inputs: 2), inputs: inputs)
            try checkGradients(of: makeOperator(DivOperator.self, inputs: 2), inputs: inputs, step: 1e-3)
            try checkGradients(of: makeOperator(PowOperator.self, inputs: 2), inputs: inputs, step: 1e-3)
        }
    }

    func testPowWithIntegerExponentAndGradientConventions() throws {
        let pow = try makeOperator(PowOperator.self, inputs: 2)
        let x = Tensor(shape: [3], scalars: [-2, 0, 3])
        let y = try pow.forward([.float(x), .int(IntTensor(shape: [], values: [2]))])[0].asFloat
        XCTAssertEqual(y, Tensor(shape: [3], scalars: [4, 0, 9]))
        XCTAssertEqual(try pow.inferFacts([ValueFacts(shape: [3]), ValueFacts(shape: [], element: .integer)]),
                       [ValueFacts(shape: [3], element: .float)])
        // d/da a^0 = 0 and d/db 0^b = 0 for b >= 0, as PyTorch.
        let a = Tensor(shape: [2], scalars: [0, 2]), b = Tensor(shape: [2], scalars: [2, 0])
        let out = try pow.forward([.float(a), .float(b)])
        let grads = try pow.backward(BackwardContext(inputs: [.float(a), .float(b)], outputs: out,
                                                     outputGradients: [Tensor(shape: [2], repeating: 1)],
                                                     wantsInputGradient: [true, true]))
        XCTAssertEqual(grads[0], Tensor(shape: [2], scalars: [0, 0]))
        XCTAssertEqual(grads[1]?.scalars[0], 0)
        XCTAssertEqual(grads[1]?.scalars[1] ?? 0, Float(Foundation.log(2.0)), accuracy: 1e-6)
    }

    func testPReluForwardGradientsAndRefusal() throws {
        var random = TestRandom(seed: 9)
        let op = try makeOperator(PReluOperator.self, inputs: 2)
        let x = random.tensor([2, 3, 2, 2]), slope = Tensor(shape: [3, 1, 1], scalars: [0.1, 0.5, -0.25])
        let y = try op.forward([.float(x), .float(slope)])[0].asFloat
        assertClose(y, Self.naive(x, slope) { $0 > 0 ? $0 : $0 * $1 }, relativeTo: 1e-6)
        XCTAssertEqual(try op.inferFacts([ValueFacts(shape: [2, 3, 2, 2]), ValueFacts(shape: [3, 1, 1])]),
                       [ValueFacts(shape: [2, 3, 2, 2])])
        // Away from the kink at 0.
        let xs = mapElements(x) { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        try checkGradients(of: op, inputs: [.float(xs), .float(slope)])
        try checkGradients(of: op, inputs: [.float(xs), .float(Tensor(shape: [1], scalars: [0.2]))])
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [3]), ValueFacts(shape: [2, 3])])) { error in
            XCTAssertTrue("\(error)".contains("unidirectionally"), "\(error)")
        }
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: [4])]))
    }
}
