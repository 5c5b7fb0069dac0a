import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Softmax, LogSoftmax, BatchNormalization and LayerNormalization.
final class ElementwiseNormalizationTests: XCTestCase {
    /// Naive softmax over the axes in `axes` (contiguous, to the end or a single axis) of a row-major tensor.
    static func naiveSoftmax(_ x: Tensor, outer: Int, extent: Int, inner: Int, log: Bool) -> Tensor {
        var out = x.scalars
        for o in 0..<outer {
            for i in 0..<inner {
                let idx = (0..<extent).map { (o * extent + $0) * inner + i }
                let values = idx.map { Double(x.scalars[$0]) }
                let total = values.map { Foundation.exp($0) }.reduce(0, +)
                for (k, j) in idx.enumerated() {
                    out[j] = Float(log ? values[k] - Foundation.log(total) : Foundation.exp(values[k]) / total)
                }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    func testSoftmaxAndLogSoftmaxAxisSemanticsByOpset() throws {
        var random = TestRandom(seed: 21)
        let x = random.tensor([2, 3, 4], in: -3...3)
        for log in [false, true] {
            func op(_ attributes: [String: AttributeValue], _ opset: Int) throws -> any Operator {
                log ? try makeOperator(LogSoftmaxOperator.self, attributes: attributes, opset: opset)
                    : try makeOperator(SoftmaxOperator.self, attributes: attributes, opset: opset)
            }
            // Opset 13: default axis -1; axis 1 normalises the middle axis alone.
            assertClose(try op([:], 13).forward([.float(x)])[0].asFloat,
                        Self.naiveSoftmax(x, outer: 6, extent: 4, inner: 1, log: log), relativeTo: 1e-5)
            assertClose(try op(["axis": .int(1)], 13).forward([.float(x)])[0].asFloat,
                        Self.naiveSoftmax(x, outer: 2, extent: 3, inner: 4, log: log), relativeTo: 1e-5)
            assertClose(try op(["axis": .int(0)], 17).forward([.float(x)])[0].asFloat,
                        Self.naiveSoftmax(x, outer: 1, extent: 2, inner: 12, log: log), relativeTo: 1e-5)
            // Opset 11: default axis 1 coerces to [2, 12].
            assertClose(try op([:], 11).forward([.float(x)])[0].asFloat,
                        Self.naiveSoftmax(x, outer: 2, extent: 12, inner: 1, log: log), relativeTo: 1e-5)
            assertClose(try op(["axis": .int(2)], 11).forward([.float(x)])[0].asFloat,
                        Self.naiveSoftmax(x, outer: 6, extent: 4, inner: 1, log: log), relativeTo: 1e-5)
            XCTAssertEqual(try op([:], 13).inferFacts([ValueFacts(shape: [2, 3, 4])]), [ValueFacts(shape: [2, 3, 4])])
            XCTAssertThrowsError(try op(["axis": .int(3)], 13).inferFacts([ValueFacts(shape: [2, 3, 4])])) { error in
                XCTAssertTrue("\(error)".contains("axis 3 is out of range"), "\(error)")
            }
            for (attributes, opset) in [([:], 13), (["axis": .int(1)], 13), (["axis": .int(-3)], 13), ([:], 11)] as [([String: AttributeValue], Int)] {
                try checkGradients(of: op(attributes, opset), inputs: [.float(x)], step: 1e-2, tolerance: 1e-2)
            }
        }
        // Long rows (eight-lane reductions plus a tail) and a column-wise block.
        let long = random.tensor([3, 37], in: -8...8)
        for log in [false, true] {
            assertClose(softmaxForward(long, outer: 3, axis: 37, inner: 1, log: log),
                        Self.naiveSoftmax(long, outer: 3, extent: 37, inner: 1, log: log), relativeTo: 1e-5)
            assertClose(softmaxForward(long, outer: 1, axis: 3, inner: 37, log: log),
                        Self.naiveSoftmax(long, outer: 1, extent: 3, inner: 37, log: log), relativeTo: 1e-5)
        }
        // Hand value: softmax([0, ln 3]) = [0.25, 0.75].
        let y = try makeOperator(SoftmaxOperator.self).forward([.float(Tensor(shape: [2], scalars: [0, Float(Foundation.log(3.0))]))])
        assertClose(y[0].asFloat, Tensor(shape: [2], scalars: [0.25, 0.75]), relativeTo: 1e-6)
        // Large logits stay finite.
        let big = try makeOperator(LogSoftmaxOperator.self).forward([.float(Tensor(shape: [2], scalars: [1000, 0]))])[0].asFloat
        XCTAssertEqual(big.scalars[0], 0, accuracy: 1e-6)
        XCTAssertEqual(big.scalars[1], -1000, accuracy: 1e-3)
    }

    // MARK: BatchNormalization

    static func naiveBatchNorm(_ x: Tensor, _ scale: [Float], _ bias: [Float], _ mean: [Float], _ variance: [Float],
                               epsilon: Float) -> Tensor {
        let c = x.shape[1], inner = x.count / (x.shape[0] * c)
        var out = x.scalars
        for i in 0..<x.count {
            let ch = (i / inner) % c
            out[i] = (x.scalars[i] - mean[ch]) / (variance[ch] + epsilon).squareRoot() * scale[ch] + bias[ch]
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    func batchNormInputs(_ random: inout TestRandom, _ shape: [Int]) -> [TensorValue?] {
        let c = shape[1]
        return [.float(random.tensor(shape, in: -2...2)), .float(random.tensor([c], in: 0.5...1.5)),
                .float(random.tensor([c])), .float(random.tensor([c], in: -0.5...0.5)), .float(random.tensor([c], in: 0.5...2))]
    }

    func testBatchNormInferenceForwardAndGradients() throws {
        var random = TestRandom(seed: 31)
        let op = try makeOperator(BatchNormalizationOperator.self, inputs: 5, attributes: ["epsilon": .float(1e-3)])
        for shape in [[2, 3, 2, 2], [4, 3], [1, 2, 3, 2, 2]] {
            let inputs = batchNormInputs(&random, shape)
            let p = inputs.map { $0?.asFloat.scalars ?? [] }
            let expected = Self.naiveBatchNorm(inputs[0]!.asFloat, p[1], p[2], p[3], p[4], epsilon: 1e-3)
            assertClose(try op.forward(inputs)[0].asFloat, expected, relativeTo: 1e-5)
            try checkGradients(of: op, inputs: inputs, checked: [0, 1, 2], step: 1e-2, tolerance: 1e-2)
        }
        XCTAssertEqual(try op.inferFacts([ValueFacts(shape: [2, 3, 4, 4])] + Array(repeating: ValueFacts(shape: [3]), count: 4)),
                       [ValueFacts(shape: [2, 3, 4, 4])])
        // Mean/var are constants: no gradient even when asked.
        let inputs = batchNormInputs(&random, [2, 3, 2, 2])
        let grads = try op.backward(BackwardContext(inputs: inputs, outputs: try op.forward(inputs),
                                                    outputGradients: [Tensor(shape: [2, 3, 2, 2], repeating: 1)],
                                                    wantsInputGradient: [true, true, true, true, true]))
        XCTAssertNil(grads[3]); XCTAssertNil(grads[4])
        XCTAssertEqual(grads[2], Tensor(shape: [3], repeating: 8))
    }

    func testBatchNormRefusesMismatchedParameters() throws {
        let op = try makeOperator(BatchNormalizationOperator.self, inputs: 5)
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3, 4, 4]), ValueFacts(shape: [4])]
                                               + Array(repeating: ValueFacts(shape: [3]), count: 3))) { error in
            XCTAssertTrue("\(error)".contains("'scale' must have shape [3]"), "\(error)")
        }
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [3])] + Array(repeating: ValueFacts(shape: [3]), count: 4)))
        XCTAssertThrowsError(try op.forward([.float(Tensor(shape: [1, 2, 1, 1])), .float(Tensor(shape: [3])), .float(Tensor(shape: [2])),
                                             .float(Tensor(shape: [2])), .float(Tensor(shape: [2]))]))
        XCTAssertThrowsError(try makeOperator(BatchNormalizationOperator.self, inputs: 5, attributes: ["training_mode": .int(2)]))
        XCTAssertThrowsError(try makeOperator(BatchNormalizationOperator.self, inputs: 5, attributes: ["spatial": .int(0)], opset: 7)) { error in
            XCTAssertTrue("\(error)".contains("spatial=0"), "\(error)")
        }
        XCTAssertThrowsError(try makeOperator(BatchNormalizationOperator.self, inputs: 5, outputs: 6))
    }

    func testBatchNormInferenceExtraOutputsPassRunningStatisticsThrough() throws {
        var random = TestRandom(seed: 35)
        let op = try makeOperator(BatchNormalizationOperator.self, inputs: 5, outputs: 3, opset: 9)
        let inputs = batchNormInputs(&random, [2, 3, 2, 2])
        let out = try op.forward(inputs)
        XCTAssertEqual(out.count, 3)
        XCTAssertEqual(out[1], inputs[3])
        XCTAssertEqual(out[2], inputs[4])
    }

    func testBatchNormTrainingModeUsesBatchStatistics() throws {
        var random = TestRandom(seed: 33)
        let op = try makeOperator(BatchNormalizationOperator.self, inputs: 5, outputs: 3,
                                  attributes: ["training_mode": .int(1), "momentum": .float(0.8)], opset: 15)
        let inputs = batchNormInputs(&random, [3, 2, 2, 2])
        let x = inputs[0]!.asFloat
        let p = inputs.map { $0?.asFloat.scalars ?? [] }
        var mean = [Float](repeating: 0, count: 2), variance = mean
        for ch in 0..<2 {
            let values = (0..<x.count).filter { ($0 / 4) % 2 == ch }.map { Double(x.scalars[$0]) }
            let m = values.reduce(0, +) / Double(values.count)
            mean[ch] = Float(m)
            variance[ch] = Float(values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count))
        }
        let out = try op.forward(inputs)
        XCTAssertEqual(out.count, 3)
        assertClose(out[0].asFloat, Self.naiveBatchNorm(x, p[1], p[2], mean, variance, epsilon: 1e-5), relativeTo: 1e-5)
        assertClose(out[1].asFloat, Tensor(shape: [2], scalars: (0..<2).map { p[3][$0] * 0.8 + mean[$0] * 0.2 }), relativeTo: 1e-6)
        assertClose(out[2].asFloat, Tensor(shape: [2], scalars: (0..<2).map { p[4][$0] * 0.8 + variance[$0] * 0.2 }), relativeTo: 1e-6)
        XCTAssertEqual(try op.inferFacts([ValueFacts(shape: [3, 2, 2, 2])] + Array(repeating: ValueFacts(shape: [2]), count: 4)),
                       [ValueFacts(shape: [3, 2, 2, 2]), ValueFacts(shape: [2]), ValueFacts(shape: [2])])
        let yOnly = try makeOperator(BatchNormalizationOperator.self, inputs: 5, attributes: ["training_mode": .int(1)], opset: 15)
        try checkGradients(of: yOnly, inputs: inputs, checked: [0, 1, 2], step: 1e-2, tolerance: 2e-2)
    }

    // MARK: LayerNormalization

    static func naiveLayerNorm(_ x: Tensor, rows: Int, scale: [Float], bias: [Float]?, epsilon: Float)
        -> (Tensor, [Float], [Float]) {
        let size = x.count / rows
        var out = x.scalars, means = [Float](), inv = [Float]()
        for r in 0..<rows {
            let v = x.scalars[(r * size)..<((r + 1) * size)].map(Double.init)
            let m = v.reduce(0, +) / Double(size)
            let variance = v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(size)
            let rs = 1 / (variance + Double(epsilon)).squareRoot()
            means.append(Float(m)); inv.append(Float(rs))
            for j in 0..<size { out[r * size + j] = Float((v[j] - m) * rs) * scale[j] + (bias?[j] ?? 0) }
        }
        return (Tensor(shape: x.shape, scalars: out), means, inv)
    }

    func testLayerNormForwardOutputsAndGradients() throws {
        var random = TestRandom(seed: 41)
        let x = random.tensor([2, 3, 4], in: -2...2)
        let scale = random.tensor([4], in: 0.5...1.5), bias = random.tensor([4])
        let op = try makeOperator(LayerNormalizationOperator.self, inputs: 3, outputs: 3)
        let out = try op.forward([.float(x), .float(scale), .float(bias)])
        let (y, means, inv) = Self.naiveLayerNorm(x, rows: 6, scale: scale.scalars, bias: bias.scalars, epsilon: 1e-5)
        assertClose(out[0].asFloat, y, relativeTo: 1e-5)
        assertClose(out[1].asFloat, Tensor(shape: [2, 3, 1], scalars: means), relativeTo: 1e-6)
        assertClose(out[2].asFloat, Tensor(shape: [2, 3, 1], scalars: inv), relativeTo: 1e-5)
        XCTAssertEqual(try op.inferFacts([ValueFacts(shape: [2, 3, 4]), ValueFacts(shape: [4]), ValueFacts(shape: [4])]),
                       [ValueFacts(shape: [2, 3, 4]), ValueFacts(shape: [2, 3, 1]), ValueFacts(shape: [2, 3, 1])])
        // Gradients with weights on all three outputs (Mean and InvStdDev too).
        try checkGradients(of: op, inputs: [.float(x), .float(scale), .float(bias)], step: 1e-2, tolerance: 2e-2)

        // axis = 1, no bias, scale broadcast over the normalised block [3, 4] from shape [1, 4].
        let op1 = try makeOperator(LayerNormalizationOperator.self, inputs: 2, attributes: ["axis": .int(1), "epsilon": .float(1e-3)])
        let s1 = random.tensor([1, 4], in: 0.5...1.5)
        let full = (0..<12).map { s1.scalars[$0 % 4] }
        let (y1, _, _) = Self.naiveLayerNorm(x, rows: 2, scale: full, bias: nil, epsilon: 1e-3)
        assertClose(try op1.forward([.float(x), .float(s1)])[0].asFloat, y1, relativeTo: 1e-5)
        try checkGradients(of: op1, inputs: [.float(x), .float(s1)], step: 1e-2, tolerance: 2e-2)
    }

    /// The statistics the backward recomputes are the forward's, bit for bit, at sizes that use every lane path.
    func testLayerNormStatisticsAreTheForwardsOwn() {
        var random = TestRandom(seed: 43)
        for size in [1, 7, 8, 15, 16, 24, 96, 101] {
            let rows = 5
            let x = random.tensor([rows, size], in: -3...5)
            let scale = [Float](repeating: 1, count: size)
            let forward = NormalizationKernels.layerNormForward(x, rows: rows, size: size, epsilon: 1e-6, scale: scale, bias: nil)
            let statistics = NormalizationKernels.layerNormStatistics(x, rows: rows, size: size, epsilon: 1e-6)
            XCTAssertEqual(statistics.mean, forward.mean, "size \(size)")
            XCTAssertEqual(statistics.invStd, forward.invStd, "size \(size)")
            let (_, means, inv) = Self.naiveLayerNorm(x, rows: rows, scale: scale, bias: nil, epsilon: 1e-6)
            assertClose(Tensor(shape: [rows], scalars: statistics.mean), Tensor(shape: [rows], scalars: means), relativeTo: 1e-5)
            assertClose(Tensor(shape: [rows], scalars: statistics.invStd), Tensor(shape: [rows], scalars: inv), relativeTo: 1e-5)
        }
    }

    /// Normalising a channels-first tensor into channels-last rows gives the bytes of a transpose and then the
    /// row normalisation, for position counts that leave a partial block and channel counts off the lane width.
    func testChannelsLastLayerNormIsTransposeThenLayerNorm() throws {
        var random = TestRandom(seed: 47)
        for (shape, withBias) in [([2, 5, 3, 7], true), ([1, 24, 4, 4], false), ([3, 17, 33], true), ([1, 1, 2, 2], false)] {
            let x = random.tensor(shape, in: -4...6)
            let channels = shape[1], positions = shape[2...].reduce(1, *)
            let scale = random.tensor([channels], in: 0.5...1.5).scalars
            let bias = withBias ? random.tensor([channels]).scalars : nil
            let fused = NormalizationKernels.layerNormChannelsLast(fromChannelsFirst: x, epsilon: 1e-6, scale: scale, bias: bias)
            let perm = [0] + Array(2..<shape.count) + [1]
            let transposed = Tensor(shape: perm.map { shape[$0] }, scalars: [Float](unsafeUninitializedCapacity: x.count) { out, n in
                x.scalars.withUnsafeBufferPointer { LayoutKernels.permute($0, shape: shape, perm: perm, into: out) }
                n = x.count
            })
            let steps = NormalizationKernels.layerNormForward(transposed, rows: shape[0] * positions, size: channels,
                                                              epsilon: 1e-6, scale: scale, bias: bias).y
            XCTAssertEqual(fused.shape, transposed.shape, "\(shape)")
            XCTAssertEqual(fused.scalars.map(\.bitPattern), steps.scalars.map(\.bitPattern), "\(shape)")
        }
    }

    func testLayerNormRefusesBadScaleAndAxis() throws {
        let op = try makeOperator(LayerNormalizationOperator.self, inputs: 2)
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3, 4]), ValueFacts(shape: [5])])) { error in
            XCTAssertTrue("\(error)".contains("does not broadcast to the normalised shape [4]"), "\(error)")
        }
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3, 4]), ValueFacts(shape: [2, 4])]))
        let bad = try makeOperator(LayerNormalizationOperator.self, inputs: 2, attributes: ["axis": .int(3)])
        XCTAssertThrowsError(try bad.inferFacts([ValueFacts(shape: [2, 3, 4]), ValueFacts(shape: [4])]))
    }

    func testRegistryListsTheFamily() {
        let names = Set(["Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Exp", "Log", "Abs", "Relu", "LeakyRelu", "PRelu",
                         "Elu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Clip", "Erf", "Gelu", "Softplus", "Softmax",
                         "LogSoftmax", "BatchNormalization", "LayerNormalization"])
        for name in names { XCTAssertNotNil(OperatorTable.byOpType[name], name) }
    }
}
