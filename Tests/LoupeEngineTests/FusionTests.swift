@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Elementwise tails fused onto their head (`Fusion`): found where the exports put them, the same
/// bytes as the steps one by one, and never applied when a skipped value is wanted.
final class FusionTests: XCTestCase {
    /// The model-matrix fixture `name` (standard export) and a batch of its input.
    func matrixModel(_ name: String) throws -> (Model, Tensor) {
        let matrix = try ModelMatrixTests.matrixCase(name)
        let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
        let x = try Fixtures.array("matrix", matrix.input)
        return (model, x.slice(batch: 0..<min(2, x.shape[0])))
    }

    /// The graph's first output after a forward pass with or without fusion.
    func output(_ model: Model, _ x: Tensor, fuse: Bool, taps: Set<String> = []) throws -> ForwardResult {
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        let state = try ExecutionState(model: model, plan: plan, inputs: [model.primaryInputName: x], taps: taps)
        try state.forward(keep: { _ in false }, fuse: fuse)
        return state.result()
    }

    /// The functions of a plan's fusions, counted.
    func fusedFunctions(_ model: Model, _ x: Tensor) throws -> [String: Int] {
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        var counts = [String: Int]()
        for fusion in plan.fusions.values {
            let name: String
            switch fusion.function {
            case .relu: name = "relu"
            case .silu: name = "silu"
            case .erfGeluChain: name = "gelu"
            case .sigmoid: name = "sigmoid"
            default: name = "\(fusion.function)"
            }
            counts[name, default: 0] += 1
        }
        return counts
    }

    func testExportedTailsAreFoundAndGiveTheSameBytes() throws {
        let expected: [String: String] = ["convnext_block": "gelu", "vit_2block": "gelu", "swin_1stage": "gelu",
                                          "mbconv_se": "silu", "densenet_block": "relu", "inception_block": "relu"]
        for name in ["vit_2block", "swin_1stage", "maxvit_1stage", "convnext_block", "mbconv_se", "densenet_block",
                     "inception_block"] {
            let (model, x) = try matrixModel(name)
            let counts = try fusedFunctions(model, x)
            if let function = expected[name] {
                XCTAssertGreaterThan(counts[function] ?? 0, 0, "\(name): no \(function) tail fused, found \(counts)")
            }
            let fused = try output(model, x, fuse: true).firstOutput(of: model)
            let plain = try output(model, x, fuse: false).firstOutput(of: model)
            XCTAssertEqual(fused.shape, plain.shape, name)
            XCTAssertEqual(fused.scalars.map(\.bitPattern), plain.scalars.map(\.bitPattern), "\(name): fused run differs")
        }
    }

    func testTappedInnerValueTurnsTheFusionOffAndIsReturned() throws {
        let (model, x) = try matrixModel("mbconv_se")
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        let fusion = try XCTUnwrap(plan.fusions.sorted { $0.key < $1.key }.first { $0.value.function == .silu })
        let headOutput = try XCTUnwrap(model.graph.nodes[plan.steps[fusion.key].nodeIndex].outputs.first)
        let result = try output(model, x, fuse: true, taps: [headOutput])
        let tapped = try XCTUnwrap(result.taps[headOutput]?.asFloat)
        let reference = try output(model, x, fuse: false, taps: [headOutput])
        XCTAssertEqual(tapped.scalars.map(\.bitPattern), try XCTUnwrap(reference.taps[headOutput]?.asFloat).scalars.map(\.bitPattern))
        XCTAssertEqual(try result.firstOutput(of: model).scalars.map(\.bitPattern),
                       try reference.firstOutput(of: model).scalars.map(\.bitPattern))
    }

    /// Fused and unfused forward runs with either of `values` tapped, both, or neither: the same output and taps, bit
    /// for bit (a tap on a fused-away value turns that fusion off).
    func assertFusedRunsGiveTheStepsBytes(_ model: Model, _ x: Tensor, tapping values: [String],
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        for taps: Set<String> in [[values[0]], [values[1]], Set(values), []] {
            let fused = try output(model, x, fuse: true, taps: taps), steps = try output(model, x, fuse: false, taps: taps)
            for name in taps {
                let value = try XCTUnwrap(fused.taps[name]?.asFloat, "\(name) not returned", file: file, line: line)
                let expected = try XCTUnwrap(steps.taps[name]?.asFloat, file: file, line: line)
                XCTAssertEqual(value.shape, expected.shape, name, file: file, line: line)
                XCTAssertEqual(value.scalars.map(\.bitPattern), expected.scalars.map(\.bitPattern), name, file: file, line: line)
            }
            XCTAssertEqual(try fused.firstOutput(of: model).scalars.map(\.bitPattern),
                           try steps.firstOutput(of: model).scalars.map(\.bitPattern), "taps \(taps)", file: file, line: line)
        }
    }

    func testLinearBiasAddsRunInTheProductsPassUnlessTheProductIsWanted() throws {
        for name in ["vit_2block", "swin_1stage", "convnext_block"] {
            let (model, x) = try matrixModel(name)
            XCTAssertGreaterThan(try model.plan(inputShapes: [model.primaryInputName: x.shape]).rowBiasAdds.count, 0,
                                 "\(name): no bias Add runs in its product's pass")
        }
        let (model, x) = try matrixModel("convnext_block")
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        let (step, biasAdd) = try XCTUnwrap(plan.rowBiasAdds.min { $0.key < $1.key })
        XCTAssertNotNil(plan.fusions[biasAdd.addStep], "the GELU after the first bias Add is fused onto it")
        let product = try XCTUnwrap(model.graph.nodes[plan.steps[step].nodeIndex].outputs.first)
        let sum = try XCTUnwrap(model.graph.nodes[plan.steps[biasAdd.addStep].nodeIndex].outputs.first)
        // The product tapped (the Add runs as a step), the sum tapped (the GELU runs as steps), neither.
        try assertFusedRunsGiveTheStepsBytes(model, x, tapping: [product, sum])
        let tapped = try XCTUnwrap(try output(model, x, fuse: true, taps: [product, sum]).taps)
        let (p, q) = (try XCTUnwrap(tapped[product]?.asFloat), try XCTUnwrap(tapped[sum]?.asFloat))
        XCTAssertEqual(q.scalars[0], p.scalars[0] + biasAdd.bias[0])
        XCTAssertNotEqual(p.scalars.map(\.bitPattern), q.scalars.map(\.bitPattern))
    }

    func testChannelsFirstLayerNormRunsInItsTransposesPassUnlessTheCopyIsWanted() throws {
        let (model, x) = try matrixModel("convnext_block")
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        let (step, fused) = try XCTUnwrap(plan.transposedNormalizations.min { $0.key < $1.key }, "no transpose feeds a layer norm")
        let transposed = try XCTUnwrap(model.graph.nodes[plan.steps[step].nodeIndex].outputs.first)
        let normalized = try XCTUnwrap(model.graph.nodes[plan.steps[fused.normalizationStep].nodeIndex].outputs.first)
        // The copy tapped (both steps run), the normalised value tapped, both, neither.
        try assertFusedRunsGiveTheStepsBytes(model, x, tapping: [transposed, normalized])
        // A gradient run keeps the copy for the normalisation's backward, so it runs both steps.
        let unpinned = [Bool](repeating: false, count: plan.slotCount)
        XCTAssertTrue(fused.applies(pinned: unpinned, keep: { _ in false }))
        XCTAssertFalse(fused.applies(pinned: unpinned, keep: { $0 == fused.transposedSlot }))
    }

    func testGradientsWithFusionMatchTheStepsOneByOne() throws {
        let (model, x) = try matrixModel("convnext_block")
        let target = try XCTUnwrap(model.graph.outputs.first?.name)
        let input = model.primaryInputName
        let result = try model.gradients([input: x], target: target, seed: { Tensor(shape: $0.shape, repeating: 1) }, wrt: [input])
        let gradient = try XCTUnwrap(result.gradients[input])
        XCTAssertGreaterThan(gradient.scalars.reduce(0) { max($0, abs($1)) }, 0)
        // The same objective by central differences on one input element (the gradient flows through the fused GELU).
        let index = gradient.scalars.indices.max { abs(gradient.scalars[$0]) < abs(gradient.scalars[$1]) } ?? 0
        func objective(_ delta: Float) throws -> Double {
            var moved = x
            moved.scalars[index] += delta
            return try model.run(moved).firstOutput(of: model).scalars.reduce(0) { $0 + Double($1) }
        }
        let step: Float = 1e-2
        let numeric = (try objective(step) - objective(-step)) / Double(2 * step)
        XCTAssertEqual(Double(gradient.scalars[index]), numeric, accuracy: 2e-2 * max(1, abs(numeric)))
    }

    /// The input gradient of the summed outputs, with or without fused tails in the gradient run.
    func inputGradient(_ model: Model, _ x: Tensor, fuse: Bool, wrt extra: Set<String> = [],
                       taps: Set<String> = []) throws -> GradientResult {
        let target = try XCTUnwrap(model.graph.outputs.first?.name)
        return try model.gradients([model.primaryInputName: x], target: target, seed: { Tensor(shape: $0.shape, repeating: 1) },
                                   wrt: extra.union([model.primaryInputName]), taps: taps, reluRule: .standard, fuse: fuse)
    }

    func testGradientRunsFuseSiluAndGeluBesideTheirHeadAndAgreeWithTheSteps() throws {
        for name in ["mbconv_se", "convnext_block", "vit_2block", "swin_1stage", "maxvit_1stage"] {
            let (model, x) = try matrixModel(name)
            let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
            let beside = plan.fusions.values.filter { $0.runsBesideHead(pinned: [Bool](repeating: false, count: plan.slotCount),
                                                                         protected: []) }
            XCTAssertFalse(beside.isEmpty, "\(name): no tail runs beside its head")
            let fused = try inputGradient(model, x, fuse: true), steps = try inputGradient(model, x, fuse: false)
            let (a, b) = (try XCTUnwrap(fused.gradients[model.primaryInputName]), try XCTUnwrap(steps.gradients[model.primaryInputName]))
            let scale = b.scalars.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0, name)
            let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(name): fused gradient differs by \(worst)")
            XCTAssertEqual(try fused.forward.firstOutput(of: model).scalars, try steps.forward.firstOutput(of: model).scalars, name)
        }
    }

    func testAWantedValueInsideATailKeepsTheStepsInTheGradientRun() throws {
        let (model, x) = try matrixModel("convnext_block")
        let plan = try model.plan(inputShapes: [model.primaryInputName: x.shape])
        let fusion = try XCTUnwrap(plan.fusions.sorted { $0.key < $1.key }.first { $0.value.function != .relu }?.value)
        // The Erf's output, inside the GELU chain: asked for as a tap and as a gradient.
        let inner = try XCTUnwrap(plan.slotOf.first { $0.value == fusion.innerSlots[2] }?.key)
        let tapped = try inputGradient(model, x, fuse: true, wrt: [inner], taps: [inner])
        let steps = try inputGradient(model, x, fuse: false, wrt: [inner], taps: [inner])
        XCTAssertEqual(tapped.forward.taps[inner], steps.forward.taps[inner])
        // Other tails may still run beside their heads: the gradients agree to rounding.
        let (a, b) = (try XCTUnwrap(tapped.gradients[inner]), try XCTUnwrap(steps.gradients[inner]))
        XCTAssertEqual(a.shape, b.shape)
        let scale = b.scalars.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThanOrEqual(zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0, 1e-5 * scale)
    }

    /// Loupe's convolution kernels apply the epilogue chunk by chunk: the same bytes as a pass afterwards.
    func testConvolutionKernelEpilogueMatchesAPassAfterwards() {
        // (batch, in, out, size, kernel, stride, groups): im2col chunks of one and of several images,
        // grouped, depthwise (large and small planes), pointwise and single-pixel layers.
        let cases = [(3, 4, 6, 9, 3, 1, 1), (5, 3, 4, 5, 3, 2, 1), (2, 8, 8, 12, 3, 1, 8), (2, 16, 16, 3, 3, 1, 16),
                     (4, 6, 10, 7, 1, 1, 1), (6, 12, 5, 1, 1, 1, 1), (2, 8, 4, 6, 3, 1, 2), (1, 16, 32, 20, 1, 1, 1)]
        var generator = SeededGenerator(seed: 7)
        for (n, c, m, size, k, stride, groups) in cases {
            let out = (size + 2 * (k / 2) - k) / stride + 1
            let g = ConvolutionGeometry(batch: n, inChannels: c, inHeight: size, inWidth: size, outChannels: m, outHeight: out,
                                        outWidth: out, kernelHeight: k, kernelWidth: k, strideHeight: stride, strideWidth: stride,
                                        padTop: k / 2, padLeft: k / 2, groups: groups)
            let x = (0..<(n * c * size * size)).map { _ in Float.random(in: -2...2, using: &generator) }
            let w = (0..<(m * (c / groups) * k * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<m).map { _ in Float.random(in: -1...1, using: &generator) }
            for function in [UnaryFunction.relu, .clip(min: 0, max: 6), .silu, .erfGeluChain(divisor: 1.414_213_5)] {
                var plain = [Float](repeating: .nan, count: n * m * out * out), fused = plain
                ConvolutionKernel.forward(input: x, weight: w, bias: b, geometry: g, output: &plain)
                applyUnaryInPlace(function, to: &plain)
                ConvolutionKernel.forward(input: x, weight: w, bias: b, geometry: g, output: &fused, epilogue: function)
                XCTAssertEqual(fused.map(\.bitPattern), plain.map(\.bitPattern), "\(function) on \(g)")
            }
        }
    }
}
