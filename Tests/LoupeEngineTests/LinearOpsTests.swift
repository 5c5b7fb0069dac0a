import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Conv: forward against a direct-convolution reference across the attribute grid, gradients, refusals.
final class LinearOpsTests: XCTestCase {
    struct ConvCase {
        var x: [Int]
        var w: [Int]
        var strides = [1, 1]
        var pads = [0, 0, 0, 0]
        var dilations = [1, 1]
        var group = 1
        var bias = true
        var autoPad: String?

        var attributes: [String: AttributeValue] {
            var a: [String: AttributeValue] = ["strides": .ints(strides), "dilations": .ints(dilations), "group": .int(group)]
            if let autoPad { a["auto_pad"] = .string(autoPad) } else { a["pads"] = .ints(pads) }
            return a
        }
    }

    static let grid: [(String, ConvCase)] = [
        ("plain 3x3 pad 1", ConvCase(x: [2, 3, 7, 6], w: [4, 3, 3, 3], pads: [1, 1, 1, 1])),
        ("groups 2", ConvCase(x: [2, 4, 6, 5], w: [6, 2, 3, 2], pads: [1, 0, 1, 0], group: 2)),
        ("depthwise stride 2", ConvCase(x: [2, 3, 7, 7], w: [3, 1, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 3)),
        ("depthwise dilation 2 asymmetric", ConvCase(x: [1, 4, 8, 7], w: [4, 1, 3, 3], pads: [0, 1, 2, 1], dilations: [2, 2], group: 4)),
        ("depthwise 5x5 stride 2", ConvCase(x: [2, 2, 9, 9], w: [2, 1, 5, 5], strides: [2, 2], pads: [2, 2, 2, 2], group: 2, bias: false)),
        ("depthwise 10 channels (two SIMD blocks)", ConvCase(x: [2, 10, 5, 4], w: [10, 1, 3, 3], strides: [1, 2], pads: [1, 1, 0, 1], group: 10)),
        ("depthwise stride 1, 12 channels, last rows unused", ConvCase(x: [2, 12, 6, 5], w: [12, 1, 3, 3], pads: [1, 1, 0, 0], group: 12)),
        ("depthwise 5x5 on a 2x2 map", ConvCase(x: [2, 9, 2, 2], w: [9, 1, 5, 5], pads: [2, 2, 2, 2], group: 9)),
        ("depthwise 5x5 stride 2 on a 4x3 map", ConvCase(x: [1, 3, 4, 3], w: [3, 1, 5, 5], strides: [2, 2], pads: [2, 1, 2, 3], group: 3)),
        ("depthwise 5x5 on 4x4 maps, 97 channels, 7 images (parallel ranges start inside a channel)",
         ConvCase(x: [7, 97, 4, 4], w: [97, 1, 5, 5], pads: [2, 2, 2, 2], group: 97)),
        ("depthwise 3x3 on a wide map (runs of four)", ConvCase(x: [2, 10, 5, 13], w: [10, 1, 3, 3], pads: [1, 1, 1, 1], group: 10)),
        ("depthwise 5x5 stride 2 dilation 2 on a wide map", ConvCase(x: [1, 9, 6, 27], w: [9, 1, 5, 5], strides: [2, 2], pads: [2, 4, 1, 4],
                                                                       dilations: [1, 2], group: 9)),
        ("depthwise 3x3 stride 2 on an odd wide map (row kernel, both column phases)",
         ConvCase(x: [2, 11, 9, 23], w: [11, 1, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 11)),
        ("depthwise 5x5 stride (1,2), asymmetric pads (row kernel)",
         ConvCase(x: [1, 3, 12, 30], w: [3, 1, 5, 5], strides: [1, 2], pads: [2, 1, 1, 3], group: 3)),
        ("depthwise 7x5 stride 1 on a 10x17 map (row kernel, partial last vector)",
         ConvCase(x: [3, 5, 10, 17], w: [5, 1, 7, 5], pads: [3, 2, 3, 2], group: 5)),
        ("channel multiplier", ConvCase(x: [1, 2, 5, 5], w: [4, 1, 3, 3], pads: [1, 1, 1, 1], group: 2)),
        ("stride 2 asymmetric pads", ConvCase(x: [2, 2, 7, 8], w: [3, 2, 3, 3], strides: [2, 2], pads: [1, 0, 0, 1])),
        ("stride (2,1)", ConvCase(x: [1, 2, 6, 6], w: [2, 2, 2, 3], strides: [2, 1], pads: [0, 1, 1, 1])),
        ("dilation 2", ConvCase(x: [2, 2, 8, 8], w: [3, 2, 3, 3], pads: [2, 2, 2, 2], dilations: [2, 2])),
        ("asymmetric pads", ConvCase(x: [1, 3, 5, 6], w: [2, 3, 3, 3], pads: [0, 2, 1, 0], bias: false)),
        ("pointwise", ConvCase(x: [3, 4, 5, 5], w: [6, 4, 1, 1])),
        ("pointwise grouped", ConvCase(x: [2, 4, 3, 4], w: [4, 2, 1, 1], group: 2)),
        ("pointwise on 1x1 maps (a dense layer)", ConvCase(x: [5, 6, 1, 1], w: [7, 6, 1, 1])),
        ("pointwise on 1x1 maps, no bias", ConvCase(x: [3, 9, 1, 1], w: [4, 9, 1, 1], bias: false)),
        ("pointwise stride 2", ConvCase(x: [2, 3, 5, 5], w: [2, 3, 1, 1], strides: [2, 2])),
        ("SAME_UPPER stride 2", ConvCase(x: [2, 2, 6, 6], w: [3, 2, 3, 3], strides: [2, 2], autoPad: "SAME_UPPER")),
        ("SAME_LOWER stride 2", ConvCase(x: [2, 2, 6, 6], w: [3, 2, 3, 3], strides: [2, 2], autoPad: "SAME_LOWER")),
        ("VALID ignores pads", ConvCase(x: [1, 2, 6, 5], w: [2, 2, 3, 3], autoPad: "VALID")),
    ]

    /// The explicit pads an auto_pad case must be equivalent to (computed by hand for the grid).
    func explicitPads(_ c: ConvCase) -> [Int] {
        switch c.autoPad {
        case "SAME_UPPER"?: return [0, 0, 1, 1] // out 3, total (3-1)*2+3-6 = 1, extra at the end
        case "SAME_LOWER"?: return [1, 1, 0, 0]
        case "VALID"?: return [0, 0, 0, 0]
        default: return c.pads
        }
    }

    func testForwardMatchesDirectConvolutionAcrossGrid() throws {
        var random = TestRandom(seed: 7)
        for (name, c) in Self.grid {
            let x = random.tensor(c.x), w = random.tensor(c.w), b = c.bias ? random.tensor([c.w[0]]) : nil
            let op = try makeOperator(ConvOperator.self, inputs: c.bias ? 3 : 2, attributes: c.attributes)
            let expected = LinearReference.conv(x, w, b, strides: c.strides, pads: explicitPads(c),
                                                dilations: c.dilations, group: c.group)
            let inputs: [TensorValue?] = [.float(x), .float(w)] + (b.map { [.float($0)] } ?? [])
            let out = try op.forward(inputs)
            assertClose(out[0].asFloat, expected, relativeTo: 1e-5, name)
            let facts = try op.inferFacts(inputs.map { $0.map { ValueFacts(shape: $0.shape) } })
            XCTAssertEqual(facts[0].shape, expected.shape, name)
        }
    }

    func testGradientsAcrossGrid() throws {
        var random = TestRandom(seed: 11)
        let picked = ["groups 2", "depthwise stride 2", "depthwise dilation 2 asymmetric", "depthwise 10 channels (two SIMD blocks)",
                      "depthwise stride 1, 12 channels, last rows unused", "depthwise 5x5 on a 2x2 map",
                      "depthwise 5x5 stride 2 on a 4x3 map", "depthwise 3x3 on a wide map (runs of four)",
                      "depthwise 5x5 stride 2 dilation 2 on a wide map",
                      "stride 2 asymmetric pads",
                      "pointwise", "SAME_UPPER stride 2", "channel multiplier", "pointwise on 1x1 maps (a dense layer)"]
        for (name, c) in Self.grid where picked.contains(name) {
            var small = c
            small.x[0] = min(c.x[0], 2)
            let x = random.tensor(small.x), w = random.tensor(small.w), b = random.tensor([small.w[0]])
            let op = try makeOperator(ConvOperator.self, inputs: 3, attributes: small.attributes)
            try checkGradients(of: op, inputs: [.float(x), .float(w), .float(b)], tolerance: 1e-2)
        }
    }

    func testGradientWithoutBiasAndPartialWants() throws {
        var random = TestRandom(seed: 3)
        let op = try makeOperator(ConvOperator.self, inputs: 2, attributes: ["pads": .ints([1, 1, 1, 1])])
        let x = random.tensor([1, 2, 4, 4]), w = random.tensor([3, 2, 3, 3])
        try checkGradients(of: op, inputs: [.float(x), .float(w)], checked: [1])
        let dy = random.tensor([1, 3, 4, 4])
        let grads = try op.backward(BackwardContext(inputs: [.float(x), .float(w)], outputs: [nil], outputGradients: [dy],
                                                    wantsInputGradient: [true, false]))
        XCTAssertNotNil(grads[0])
        XCTAssertNil(grads[1])
    }

    /// Chunking images into one GEMM (or one per image) must not change results, and every route must
    /// overwrite its outputs (they start filled with a different stale value each time).
    func testChunkingPathsAgree() throws {
        var random = TestRandom(seed: 5)
        for (name, c) in Self.grid {
            var big = c
            big.x[0] = 3
            let x = random.tensor(big.x), w = random.tensor(big.w), dy0 = try makeOperator(ConvOperator.self, inputs: 2,
                                                                                             attributes: big.attributes)
            let shape = try dy0.inferFacts([ValueFacts(shape: big.x), ValueFacts(shape: big.w)])[0].shape
            let dy = random.tensor(shape)
            var results: [[Float]] = []
            for budgetImages in [1, 2, 3] {
                let g = try geometry(big)
                let budget = g.patchSize * g.outPlane * budgetImages
                let stale = Float(budgetImages) * 7
                var y = [Float](repeating: stale, count: shape.reduce(1, *))
                var dx = [Float](repeating: stale, count: x.count), dw = [Float](repeating: stale, count: w.count)
                ConvolutionKernel.forward(input: x.scalars, weight: w.scalars, bias: nil, geometry: g, output: &y, chunkBudget: budget)
                ConvolutionKernel.backward(input: x.scalars, weight: w.scalars, gradOutput: dy.scalars, geometry: g,
                                           gradInput: &dx, gradWeight: &dw, chunkBudget: budget)
                results.append(y + dx + dw)
            }
            for r in results.dropFirst() {
                assertClose(Tensor(shape: [r.count], scalars: r), Tensor(shape: [r.count], scalars: results[0]), relativeTo: 1e-5, name)
            }
        }
    }

    func geometry(_ c: ConvCase) throws -> ConvolutionGeometry {
        let pads = explicitPads(c)
        let span = { (k: Int, d: Int) in (k - 1) * d + 1 }
        let oh = (c.x[2] + pads[0] + pads[2] - span(c.w[2], c.dilations[0])) / c.strides[0] + 1
        let ow = (c.x[3] + pads[1] + pads[3] - span(c.w[3], c.dilations[1])) / c.strides[1] + 1
        return ConvolutionGeometry(batch: c.x[0], inChannels: c.x[1], inHeight: c.x[2], inWidth: c.x[3], outChannels: c.w[0],
                                   outHeight: oh, outWidth: ow, kernelHeight: c.w[2], kernelWidth: c.w[3],
                                   strideHeight: c.strides[0], strideWidth: c.strides[1], padTop: pads[0], padLeft: pads[1],
                                   dilationHeight: c.dilations[0], dilationWidth: c.dilations[1], groups: c.group)
    }

    func testOneDimensionalConvolutionIsHeightOne() throws {
        var random = TestRandom(seed: 9)
        let x = random.tensor([2, 3, 9]), w = random.tensor([4, 3, 3]), b = random.tensor([4])
        let op = try makeOperator(ConvOperator.self, inputs: 3,
                                  attributes: ["strides": .ints([2]), "pads": .ints([1, 2]), "dilations": .ints([1])])
        let out = try op.forward([.float(x), .float(w), .float(b)])[0].asFloat
        let expected = LinearReference.conv(x.reshaped([2, 3, 1, 9]), w.reshaped([4, 3, 1, 3]), b,
                                            strides: [1, 2], pads: [0, 1, 0, 2])
        assertClose(out, expected.reshaped([2, 4, 5]), relativeTo: 1e-5)
        try checkGradients(of: op, inputs: [.float(x), .float(w), .float(b)], tolerance: 1e-2)
    }

    func testHandComputedSmallConvolution() throws {
        // 1x1x3x3 input 1...9, 2x2 all-ones kernel, bias 0.5: sums of each 2x2 block.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let w = Tensor(shape: [1, 1, 2, 2], repeating: 1)
        let op = try makeOperator(ConvOperator.self, inputs: 3)
        let out = try op.forward([.float(x), .float(w), .float(Tensor(shape: [1], scalars: [0.5]))])[0].asFloat
        XCTAssertEqual(out, Tensor(shape: [1, 1, 2, 2], scalars: [12.5, 16.5, 24.5, 28.5]))
    }

    func testRefusals() throws {
        let conv = try makeOperator(ConvOperator.self, inputs: 2)
        // Channel mismatch: 3 input channels, weight expects 2.
        XCTAssertThrowsError(try conv.inferFacts([ValueFacts(shape: [1, 3, 5, 5]), ValueFacts(shape: [2, 2, 3, 3])])) { error in
            XCTAssertTrue("\(error)".contains("channels"), "\(error)")
        }
        // Kernel larger than the padded input.
        XCTAssertThrowsError(try conv.inferFacts([ValueFacts(shape: [1, 1, 2, 2]), ValueFacts(shape: [1, 1, 5, 5])])) { error in
            XCTAssertTrue("\(error)".contains("larger"), "\(error)")
        }
        // Bad group count: 3 channels cannot split into 2 groups; 3 output channels cannot either.
        let grouped = try makeOperator(ConvOperator.self, inputs: 2, attributes: ["group": .int(2)])
        XCTAssertThrowsError(try grouped.inferFacts([ValueFacts(shape: [1, 3, 5, 5]), ValueFacts(shape: [2, 1, 3, 3])]))
        XCTAssertThrowsError(try grouped.inferFacts([ValueFacts(shape: [1, 4, 5, 5]), ValueFacts(shape: [3, 2, 3, 3])]))
        XCTAssertThrowsError(try makeOperator(ConvOperator.self, inputs: 2, attributes: ["group": .int(0)]))
        // Bias of the wrong length, 3-D convolution, bad attribute lengths and values.
        XCTAssertThrowsError(try conv.inferFacts([ValueFacts(shape: [1, 2, 5, 5]), ValueFacts(shape: [4, 2, 3, 3]),
                                                  ValueFacts(shape: [3])]))
        XCTAssertThrowsError(try conv.inferFacts([ValueFacts(shape: [1, 2, 5, 5, 5]), ValueFacts(shape: [4, 2, 3, 3, 3])]))
        let badStrides = try makeOperator(ConvOperator.self, inputs: 2, attributes: ["strides": .ints([1, 1, 1])])
        XCTAssertThrowsError(try badStrides.inferFacts([ValueFacts(shape: [1, 2, 5, 5]), ValueFacts(shape: [4, 2, 3, 3])]))
        XCTAssertThrowsError(try makeOperator(ConvOperator.self, inputs: 2, attributes: ["strides": .ints([0, 1])]))
        XCTAssertThrowsError(try makeOperator(ConvOperator.self, inputs: 2, attributes: ["dilations": .ints([1, Int.max])]))
        XCTAssertThrowsError(try makeOperator(ConvOperator.self, inputs: 2, attributes: ["auto_pad": .string("SOMETIMES")]))
        let kernelShape = try makeOperator(ConvOperator.self, inputs: 2, attributes: ["kernel_shape": .ints([2, 2])])
        XCTAssertThrowsError(try kernelShape.inferFacts([ValueFacts(shape: [1, 2, 5, 5]), ValueFacts(shape: [4, 2, 3, 3])]))
        XCTAssertThrowsError(try conv.forward([.float(Tensor(shape: [1, 3, 4, 4])), .float(Tensor(shape: [1, 2, 3, 3]))]))
    }
}
