@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Stretches of CNNs run by oneDNN in its blocked layouts (`BlockedChain`): the chains form where
/// they should, agree with Loupe's own kernels and with onnxruntime, give taps from inside a chain,
/// repeat their bytes, and stay out of small models at the default bound.
final class BlockedChainTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(BlockedChain.isEnabled, "oneDNN is off (LOUPE_ONEDNN=0 or LOUPE_BLOCKED_CHAINS=0) or did not start")
    }

    /// The model fixtures with convolutions, each with an input and onnxruntime's output.
    static func convolutionFixtures() throws -> [(name: String, model: Model, inputs: [String: Tensor], expected: [String: Tensor])] {
        var found = [(name: String, model: Model, inputs: [String: Tensor], expected: [String: Tensor])]()
        for fixture in try Fixtures.cases("models") {
            let model = try Model(path: try Fixtures.modelPath("models", fixture))
            guard model.graph.nodes.filter({ $0.opType == "Conv" }).count >= 2 else { continue }
            var inputs = [String: Tensor](), expected = [String: Tensor]()
            for (name, npy) in fixture.inputs ?? [:] { inputs[name] = try Fixtures.array("models", npy) }
            for (name, npy) in fixture.outputs ?? [:] { expected[name] = try Fixtures.array("models", npy) }
            found.append((fixture.name, model, inputs, expected))
        }
        for name in ["mbconv_se", "densenet_block", "inception_block", "convnext_block"] {
            let matrix = try ModelMatrixTests.matrixCase(name)
            let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
            let output = try XCTUnwrap(model.graph.outputs.first?.name)
            found.append((name, model, [model.primaryInputName: try Fixtures.array("matrix", matrix.input).slice(batch: 0..<8)],
                          [output: try Fixtures.array("matrix", try XCTUnwrap(matrix.outputs["standard"]?["8"]))]))
        }
        return found
    }

    /// Asserts `max|actual - expected| <= tolerance * max(1, max|expected|)`.
    func assertClose(_ actual: Tensor?, _ expected: Tensor?, _ tolerance: Float, _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let actual, let expected else { return XCTFail("\(label): missing", file: file, line: line) }
        XCTAssertEqual(actual.shape, expected.shape, label, file: file, line: line)
        let scale = max(1, expected.scalars.reduce(0) { max($0, abs($1)) })
        let worst = zip(actual.scalars, expected.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1).isNaN ? .infinity : abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(label): max|Δ| = \(worst)", file: file, line: line)
    }

    /// The chains a forward-only run of `inputs` uses with every stretch allowed.
    func chains(_ model: Model, _ inputs: [String: Tensor], taps: Set<String> = []) throws -> [Int: BlockedChain] {
        let plan = try model.plan(inputShapes: inputs.mapValues(\.shape))
        let state = try ExecutionState(model: model, plan: plan, inputs: inputs, taps: taps)
        return model.blockedChains(plan: plan, pinned: state.pinned, fuse: Fusion.isEnabled, minimum: 0)
    }

    func testChainsFormInTheCNNFixturesAndMatchLoupesKernelsAndOnnxruntime() throws {
        var chained = [String]()
        for fixture in try Self.convolutionFixtures() {
            let found = try chains(fixture.model, fixture.inputs)
            if found.isEmpty { continue }
            chained.append(fixture.name)
            let withChains = try fixture.model.runWhole(fixture.inputs, chainMinimum: 0)
            let withoutChains = try fixture.model.runWhole(fixture.inputs, chainMinimum: Int.max)
            for (name, expected) in fixture.expected {
                assertClose(withChains.outputs[name]?.asFloat, expected, 1e-4, "\(fixture.name) \(name) against onnxruntime")
                assertClose(withChains.outputs[name]?.asFloat, withoutChains.outputs[name]?.asFloat, 1e-5,
                            "\(fixture.name) \(name) against Loupe's kernels")
            }
            // Every chain holds at least two convolutions and replaces whole steps.
            for chain in found.values {
                XCTAssertGreaterThanOrEqual(chain.program.stepCount - chain.program.reorderCount, 2, fixture.name)
                XCTAssertEqual(chain.replacedSteps.first, chain.first, fixture.name)
            }
        }
        // The MBConv block (expand, depthwise, squeeze-excitation, project) is one chain; the
        // MobileNet-V3 and ResNet fixtures have chains too.
        XCTAssertTrue(chained.contains("mbconv_se"), "chained: \(chained)")
        XCTAssertGreaterThanOrEqual(chained.count, 4, "chained: \(chained)")
    }

    func testATapInsideAChainIsWrittenOutAndMatchesTheUnchainedValue() throws {
        let matrix = try ModelMatrixTests.matrixCase("mbconv_se")
        let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
        let x = try Fixtures.array("matrix", matrix.input).slice(batch: 0..<3)
        let inputs = [model.primaryInputName: x]
        let whole = try XCTUnwrap(try chains(model, inputs).values.first)
        // Tap a value the chain otherwise keeps inside: the chain still forms and writes it out.
        let plan = try model.plan(inputShapes: inputs.mapValues(\.shape))
        let inner = try XCTUnwrap(plan.valueOrder.first { name in
            guard let slot = plan.slotOf[name], plan.producer[slot] > whole.first, plan.producer[slot] < whole.last else { return false }
            return !whole.outputSlots.contains(slot) && plan.facts[name]?.shape.count == 4
        })
        let tapped = try chains(model, inputs, taps: [inner])
        XCTAssertFalse(tapped.isEmpty)
        XCTAssertTrue(tapped.values.contains { $0.outputSlots.contains(plan.slotOf[inner] ?? -1) }, "\(inner) is written out")
        let chainedTap = try model.runWhole(inputs, taps: [inner], chainMinimum: 0).taps[inner]?.asFloat
        let plainTap = try model.runWhole(inputs, taps: [inner], chainMinimum: Int.max).taps[inner]?.asFloat
        assertClose(chainedTap, plainTap, 1e-5, "tap \(inner)")
    }

    func testChainedRunsRepeatTheirBytesAndSmallModelsKeepLoupesKernelsByDefault() throws {
        let matrix = try ModelMatrixTests.matrixCase("mbconv_se")
        let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
        let inputs = [model.primaryInputName: try Fixtures.array("matrix", matrix.input).slice(batch: 0..<4)]
        let first = try model.runWhole(inputs, chainMinimum: 0).firstOutput(of: model)
        let second = try model.runWhole(inputs, chainMinimum: 0).firstOutput(of: model)
        XCTAssertEqual(first.scalars, second.scalars)
        // Seven images run one by one through the one-image program: the same results as the steps.
        let seven = [model.primaryInputName: try Fixtures.array("matrix", matrix.input).slice(batch: 0..<7)]
        XCTAssertFalse(try chains(model, seven).isEmpty)
        assertClose(try model.runWhole(seven, chainMinimum: 0).firstOutput(of: model),
                    try model.runWhole(seven, chainMinimum: Int.max).firstOutput(of: model), 1e-5, "seven images")
        // At the default bound the small block is not worth a chain: Loupe's kernels run.
        let plan = try model.plan(inputShapes: inputs.mapValues(\.shape))
        let state = try ExecutionState(model: model, plan: plan, inputs: inputs, taps: [])
        XCTAssertTrue(model.blockedChains(plan: plan, pinned: state.pinned, fuse: true).isEmpty)
        XCTAssertEqual(try model.run(inputs).firstOutput(of: model).scalars,
                       try model.runWhole(inputs, chainMinimum: Int.max).firstOutput(of: model).scalars)
    }

    func testDescriptionsOneDNNCannotRunAreRefused() {
        // A value that is not [N, C, H, W].
        let flat = DNNLChainDescription(dimensions: [[2, 3], [2, 3]], inputs: [0], stages: [.unary(.relu, input: 0, output: 1)],
                                        outputs: [1])
        XCTAssertNil(DNNLChainProgram(flat, threads: 1))
        // A function oneDNN does not have.
        let erf = DNNLChainDescription(dimensions: [[1, 4, 3, 3], [1, 4, 3, 3]], inputs: [0],
                                       stages: [.unary(.erf, input: 0, output: 1)], outputs: [1])
        XCTAssertNil(DNNLChainProgram(erf, threads: 1))
        // The refused stage is named, so a finder can cut the stretch there and keep the rest.
        let mixed = DNNLChainDescription(dimensions: [[1, 4, 3, 3], [1, 4, 3, 3], [1, 4, 3, 3]], inputs: [0],
                                         stages: [.unary(.relu, input: 0, output: 1), .unary(.erf, input: 1, output: 2)],
                                         outputs: [2])
        var refused: Int?
        XCTAssertNil(DNNLChainProgram(mixed, threads: 1, constants: DNNLConstantStore(), refusedStage: &refused))
        XCTAssertEqual(refused, 1)
        XCTAssertNil(DNNLChainDescription.elementwise(.erfGeluChain(divisor: 2)))
        XCTAssertNotNil(DNNLChainDescription.elementwise(.erfGeluChain(divisor: Float(2).squareRoot())))
    }

    func testAProgramComputesAConvolutionResidualAndPoolAsLoupeDoes() throws {
        // x → conv 3x3 (+ReLU) → conv 1x1 → add x → global average pool; every output checked by hand.
        let g1 = ConvolutionGeometry(batch: 2, inChannels: 4, inHeight: 5, inWidth: 5, outChannels: 4, outHeight: 5,
                                     outWidth: 5, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1)
        let g2 = ConvolutionGeometry(batch: 2, inChannels: 4, inHeight: 5, inWidth: 5, outChannels: 4, outHeight: 5,
                                     outWidth: 5, kernelHeight: 1, kernelWidth: 1)
        var generator = SeededGenerator(seed: 7)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let x = random(2 * 4 * 25), w1 = random(4 * 4 * 9), b1 = random(4), w2 = random(16)
        let chain = DNNLChainDescription(
            dimensions: [[2, 4, 5, 5], [2, 4, 5, 5], [2, 4, 5, 5], [2, 4, 5, 5], [2, 4, 1, 1]], inputs: [0],
            stages: [.convolution(.init(geometry: g1, weight: w1, bias: b1, input: 0, output: 1, tail: .relu)),
                     .convolution(.init(geometry: g2, weight: w2, bias: nil, input: 1, output: 2, tail: nil)),
                     .binary(.add, lhs: 2, rhs: 0, output: 3, tail: nil),
                     .globalAveragePool(input: 3, output: 4)],
            outputs: [1, 4])
        let program = try XCTUnwrap(DNNLChainProgram(chain, threads: 1))
        var hidden = [Float](repeating: 0, count: 200), pooled = [Float](repeating: 0, count: 8)
        let ok = x.withUnsafeBufferPointer { xp in
            hidden.withUnsafeMutableBufferPointer { hp in
                pooled.withUnsafeMutableBufferPointer { pp in
                    guard let xb = xp.baseAddress, let hb = hp.baseAddress, let pb = pp.baseAddress else { return false }
                    return program.run(inputs: [xb], outputs: [hb, pb])
                }
            }
        }
        XCTAssertTrue(ok)
        // Loupe's own convolution for the reference.
        var expectedHidden = [Float](repeating: 0, count: 200), second = [Float](repeating: 0, count: 200)
        ConvolutionKernel.forward(input: x, weight: w1, bias: b1, geometry: g1, output: &expectedHidden)
        expectedHidden = expectedHidden.map { max($0, 0) }
        ConvolutionKernel.forward(input: expectedHidden, weight: w2, bias: nil, geometry: g2, output: &second)
        var expectedPooled = [Float](repeating: 0, count: 8)
        for plane in 0..<8 {
            expectedPooled[plane] = (0..<25).reduce(0) { $0 + second[plane * 25 + $1] + x[plane * 25 + $1] } / 25
        }
        assertClose(Tensor(shape: [200], scalars: hidden), Tensor(shape: [200], scalars: expectedHidden), 1e-5, "hidden")
        assertClose(Tensor(shape: [8], scalars: pooled), Tensor(shape: [8], scalars: expectedPooled), 1e-5, "pooled")
    }

    /// x [N, 32, 64, 64] → Conv 3x3 → Relu → Conv 1x1 → Relu → GlobalAveragePool: 46 M multiply-adds per
    /// image, enough for a chain at the default bound.
    func largeModel() throws -> Model {
        var random = TestRandom(seed: 11)
        var b = GraphBuilder()
        let w1 = b.parameter("w1", random.tensor([32, 32, 3, 3], in: -0.1...0.1))
        let b1 = b.parameter("b1", random.tensor([32]))
        let w2 = b.parameter("w2", random.tensor([64, 32, 1, 1], in: -0.2...0.2))
        let c1 = b.add("Conv", ["x", w1, b1], ["pads": .ints([1, 1, 1, 1])])
        let r1 = b.add("Relu", [c1], output: "hidden")
        let c2 = b.add("Conv", [r1, w2])
        let r2 = b.add("Relu", [c2])
        let pooled = b.add("GlobalAveragePool", [r2])
        return try b.model(sampleShape: [32, 64, 64], output: pooled)
    }

    func testInspectionNamesTheChainAndRunsUseItAtTheDefaultBound() throws {
        let model = try largeModel()
        let summary = try ModelSummary(model: model, batchSize: 2).withBlockedChains(of: model)
        XCTAssertEqual(summary.forwardChains, 1)
        XCTAssertEqual(summary.layers.filter { $0.op == "Conv" }.map(\.forwardChain), [0, 0])
        // 46 M multiply-adds per image is below the gradient runs' bound (`minimumGradientMultiplyAddsPerImage`).
        XCTAssertEqual(summary.gradientChains, 0)
        XCTAssertEqual(summary.layers.filter { $0.op == "Conv" }.map(\.gradientChain), [nil, nil])
        var random = TestRandom(seed: 5)
        let x = random.tensor([2, 32, 64, 64])
        let chained = try model.runWhole(["x": x]).firstOutput(of: model)
        let plain = try model.runWhole(["x": x], chainMinimum: Int.max).firstOutput(of: model)
        assertClose(chained, plain, 1e-5, "chained against Loupe's kernels")
        // Tapping the hidden value splits nothing off: the chain writes it out as well.
        let tapped = try model.runWhole(["x": x], taps: ["hidden"])
        assertClose(tapped.taps["hidden"]?.asFloat, try model.runWhole(["x": x], taps: ["hidden"], chainMinimum: Int.max)
            .taps["hidden"]?.asFloat, 1e-5, "tap")
        // Two batch sizes compile two programs but share one copy of the weights.
        _ = try model.runWhole(["x": x.slice(batch: 0..<1)])
        XCTAssertEqual(model.chainConstants.count, 3, "w1, b1 and w2 staged once")
    }

    func testATailFusedOntoAnUnchainedHeadStaysWithItsHead() throws {
        // ConvTranspose (no chain stage) with a fused Relu, then two convolutions: the Relu runs with the
        // ConvTranspose, and the chain starts at the first Conv.
        var random = TestRandom(seed: 9)
        var b = GraphBuilder()
        let up = b.add("ConvTranspose", ["x", b.parameter("wt", random.tensor([8, 8, 3, 3], in: -0.2...0.2))],
                       ["pads": .ints([1, 1, 1, 1])])
        let r0 = b.add("Relu", [up])
        let c1 = b.add("Conv", [r0, b.parameter("w1", random.tensor([8, 8, 3, 3], in: -0.2...0.2))], ["pads": .ints([1, 1, 1, 1])])
        let r1 = b.add("Relu", [c1])
        let c2 = b.add("Conv", [r1, b.parameter("w2", random.tensor([8, 8, 1, 1], in: -0.3...0.3))])
        let model = try b.model(sampleShape: [8, 16, 16], output: c2)
        let inputs = ["x": random.tensor([3, 8, 16, 16])]
        let found = try chains(model, inputs)
        XCTAssertEqual(found.count, 1)
        let plan = try model.plan(inputShapes: inputs.mapValues(\.shape))
        let first = try XCTUnwrap(found.values.first?.first)
        XCTAssertEqual(model.graph.nodes[plan.steps[first].nodeIndex].opType, "Conv")
        assertClose(try model.runWhole(inputs, chainMinimum: 0).firstOutput(of: model),
                    try model.runWhole(inputs, chainMinimum: Int.max).firstOutput(of: model), 1e-5, "chained after a fused tail")
    }
}
