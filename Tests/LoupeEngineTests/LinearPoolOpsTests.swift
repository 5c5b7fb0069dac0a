import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool: hand-computed values, a naive
/// reference, first-maximum routing, gradients and refusals.
final class LinearPoolOpsTests: XCTestCase {
    let arange16 = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))

    /// Distinct values 0.1 apart in a shuffled order (no ties, far from kinks for finite differences).
    func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        var random = TestRandom(seed: seed)
        var values = (0..<shape.reduce(1, *)).map { Float($0) * 0.1 }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, Int(random.uniform() * Float(i + 1)) % (i + 1))
        }
        return Tensor(shape: shape, scalars: values)
    }

    func run<Op: Operator>(_ type: Op.Type, _ x: Tensor, _ attributes: [String: AttributeValue]) throws -> Tensor {
        let op = try makeOperator(type, attributes: attributes)
        let out = try op.forward([.float(x)])[0].asFloat
        XCTAssertEqual(try op.inferFacts([ValueFacts(shape: x.shape)])[0].shape, out.shape)
        return out
    }

    func testHandComputedPools() throws {
        let k2s2: [String: AttributeValue] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]
        XCTAssertEqual(try run(MaxPoolOperator.self, arange16, k2s2).scalars, [5, 7, 13, 15])
        XCTAssertEqual(try run(AveragePoolOperator.self, arange16, k2s2).scalars, [2.5, 4.5, 10.5, 12.5])
        let nine = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let padded: [String: AttributeValue] = ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]
        let exclude = try run(AveragePoolOperator.self, nine, padded)
        XCTAssertEqual(exclude.scalars[0], 3, accuracy: 1e-6)
        XCTAssertEqual(exclude.scalars[4], 5, accuracy: 1e-6)
        let include = try run(AveragePoolOperator.self, nine, padded.merging(["count_include_pad": .int(1)]) { $1 })
        XCTAssertEqual(include.scalars[0], 12.0 / 9, accuracy: 1e-6)
        XCTAssertEqual(include.scalars[1], 21.0 / 9, accuracy: 1e-6)
        XCTAssertEqual(try run(GlobalAveragePoolOperator.self, arange16, [:]), Tensor(shape: [1, 1, 1, 1], scalars: [7.5]))
        XCTAssertEqual(try run(GlobalMaxPoolOperator.self, arange16, [:]), Tensor(shape: [1, 1, 1, 1], scalars: [15]))
    }

    func testCeilModeAndCountIncludePad() throws {
        let x = Tensor(shape: [1, 1, 1, 6], scalars: [1, 2, 3, 4, 5, 6])
        let attributes: [String: AttributeValue] = ["kernel_shape": .ints([1, 3]), "strides": .ints([1, 2]),
                                                    "pads": .ints([0, 1, 0, 1]), "ceil_mode": .int(1)]
        XCTAssertEqual(try run(AveragePoolOperator.self, x, attributes).scalars, [1.5, 3, 5, 6])
        // The last window reaches past the trailing pad: only taps up to the padded edge count.
        XCTAssertEqual(try run(AveragePoolOperator.self, x, attributes.merging(["count_include_pad": .int(1)]) { $1 }).scalars,
                       [1, 3, 5, 3])
        XCTAssertEqual(try run(MaxPoolOperator.self, x, attributes).scalars, [2, 4, 6, 6])
        XCTAssertEqual(try run(MaxPoolOperator.self, x, attributes.merging(["ceil_mode": .int(0)]) { $1 }).scalars, [2, 4, 6])
    }

    func testDilatedOneDimensionalMaxPool() throws {
        let x = Tensor(shape: [1, 1, 8], scalars: [3, 1, 4, 1, 5, 9, 2, 6])
        let out = try run(MaxPoolOperator.self, x, ["kernel_shape": .ints([2]), "dilations": .ints([2])])
        XCTAssertEqual(out, Tensor(shape: [1, 1, 6], scalars: [4, 1, 5, 9, 5, 9]))
    }

    func testPoolsAgainstNaiveReference() throws {
        var random = TestRandom(seed: 51)
        let x = random.tensor([2, 3, 7, 7])
        let resnet: [String: AttributeValue] = ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]
        assertClose(try run(MaxPoolOperator.self, x, resnet),
                    LinearReference.pool(x, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], outSize: [4, 4], max: true))
        let y = random.tensor([2, 2, 6, 5])
        let asym: [String: AttributeValue] = ["kernel_shape": .ints([3, 2]), "strides": .ints([2, 1]), "pads": .ints([1, 0, 1, 1])]
        for include in [0, 1] {
            assertClose(try run(AveragePoolOperator.self, y, asym.merging(["count_include_pad": .int(include)]) { $1 }),
                        LinearReference.pool(y, kernel: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1], outSize: [3, 5],
                                             max: false, includePad: include == 1))
        }
        let z = random.tensor([1, 2, 5, 5])
        for (mode, pads) in [("SAME_UPPER", [0, 0, 1, 1]), ("SAME_LOWER", [1, 1, 0, 0]), ("VALID", [0, 0, 0, 0])] {
            let attributes: [String: AttributeValue] = ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]),
                                                        "auto_pad": .string(mode)]
            let size = mode == "VALID" ? [2, 2] : [3, 3]
            assertClose(try run(MaxPoolOperator.self, z, attributes),
                        LinearReference.pool(z, kernel: [2, 2], strides: [2, 2], pads: pads, outSize: size, max: true), relativeTo: 1e-6, mode)
            assertClose(try run(AveragePoolOperator.self, z, attributes),
                        LinearReference.pool(z, kernel: [2, 2], strides: [2, 2], pads: pads, outSize: size, max: false), relativeTo: 1e-6, mode)
        }
    }

    func testMaxGradientGoesToFirstMaximum() throws {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 3, 3, 2])
        let op = try makeOperator(MaxPoolOperator.self, attributes: ["kernel_shape": .ints([2, 2])])
        let dy = Tensor(shape: [1, 1, 1, 1], scalars: [1])
        let grads = try op.backward(BackwardContext(inputs: [.float(x)], outputs: [nil], outputGradients: [dy],
                                                    wantsInputGradient: [true]))
        XCTAssertEqual(grads[0]?.scalars, [0, 1, 0, 0])
        let global = try makeOperator(GlobalMaxPoolOperator.self)
        let g = try global.backward(BackwardContext(inputs: [.float(Tensor(shape: [1, 1, 3], scalars: [2, 5, 5]))],
                                                    outputs: [nil], outputGradients: [Tensor(shape: [1, 1, 1], scalars: [4])],
                                                    wantsInputGradient: [true]))
        XCTAssertEqual(g[0]?.scalars, [0, 4, 0])
        // Overlapping windows add their gradients on a shared maximum.
        let overlap = try makeOperator(MaxPoolOperator.self, attributes: ["kernel_shape": .ints([1, 2])])
        let o = try overlap.backward(BackwardContext(inputs: [.float(Tensor(shape: [1, 1, 1, 3], scalars: [0, 9, 1]))],
                                                     outputs: [nil], outputGradients: [Tensor(shape: [1, 1, 1, 2], scalars: [2, 3])],
                                                     wantsInputGradient: [true]))
        XCTAssertEqual(o[0]?.scalars, [0, 5, 0])
    }

    func testGradients() throws {
        var random = TestRandom(seed: 52)
        let x = distinct([2, 2, 5, 5], seed: 53)
        let windows: [[String: AttributeValue]] = [
            ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
            ["kernel_shape": .ints([2, 3]), "strides": .ints([2, 1]), "pads": .ints([0, 1, 1, 0]), "ceil_mode": .int(1)],
            ["kernel_shape": .ints([2, 2]), "dilations": .ints([2, 1]), "auto_pad": .string("SAME_UPPER")],
        ]
        for attributes in windows {
            try checkGradients(of: makeOperator(MaxPoolOperator.self, attributes: attributes), inputs: [.float(x)])
            for include in [0, 1] {
                let avg = try makeOperator(AveragePoolOperator.self,
                                           attributes: attributes.merging(["count_include_pad": .int(include)]) { $1 })
                try checkGradients(of: avg, inputs: [.float(random.tensor([2, 2, 5, 5]))])
            }
        }
        try checkGradients(of: makeOperator(GlobalAveragePoolOperator.self), inputs: [.float(random.tensor([2, 3, 3, 2]))])
        try checkGradients(of: makeOperator(GlobalMaxPoolOperator.self), inputs: [.float(x)])
    }

    func testRefusals() throws {
        XCTAssertThrowsError(try makeOperator(MaxPoolOperator.self).inferFacts([ValueFacts(shape: [1, 1, 4, 4])]))
        let big = try makeOperator(AveragePoolOperator.self, attributes: ["kernel_shape": .ints([5, 5])])
        XCTAssertThrowsError(try big.inferFacts([ValueFacts(shape: [1, 1, 4, 4])])) { error in
            XCTAssertTrue("\(error)".contains("larger"), "\(error)")
        }
        XCTAssertThrowsError(try makeOperator(MaxPoolOperator.self, outputs: 2, attributes: ["kernel_shape": .ints([2, 2])]))
        let padded = try makeOperator(MaxPoolOperator.self, attributes: ["kernel_shape": .ints([2, 2]), "pads": .ints([2, 0, 0, 0])])
        XCTAssertThrowsError(try padded.inferFacts([ValueFacts(shape: [1, 1, 4, 4])]))
        let wrongRank = try makeOperator(MaxPoolOperator.self, attributes: ["kernel_shape": .ints([2])])
        XCTAssertThrowsError(try wrongRank.inferFacts([ValueFacts(shape: [1, 1, 4, 4])]))
        XCTAssertThrowsError(try wrongRank.inferFacts([ValueFacts(shape: [1, 1, 4, 4, 4])]))
        XCTAssertThrowsError(try makeOperator(GlobalAveragePoolOperator.self).inferFacts([ValueFacts(shape: [4, 4])]))
        XCTAssertEqual(try makeOperator(GlobalMaxPoolOperator.self).inferFacts([ValueFacts(shape: [2, 3, 4, 5])])[0].shape,
                       [2, 3, 1, 1])
    }
}
