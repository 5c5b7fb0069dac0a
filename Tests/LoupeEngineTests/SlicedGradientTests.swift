@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Gradient runs cut into one slice of the batch per worker (`Model.gradientsInSlices`): the joined
/// slices give the whole batch's gradients, taps and outputs with a seed made from the whole target;
/// parameter gradients and graphs that mix images run whole.
final class SlicedGradientTests: XCTestCase {
    override func setUpWithError() throws {
        guard Parallel.workerCount > 1 else {
            throw XCTSkip("one worker on this machine (LOUPE_THREADS or the core count): gradient runs are never cut")
        }
    }

    /// A one-hot seed on a different class for each row (row r: class (3r + 1) mod classes), so a seed
    /// cut in the wrong place, or made from one slice alone, gives other gradients.
    static func rowClasses(_ target: Tensor) -> Tensor {
        var seed = Tensor(shape: target.shape)
        let classes = target.count / max(target.shape[0], 1)
        for row in 0..<target.shape[0] { seed.scalars[row * classes + (3 * row + 1) % classes] = 1 }
        return seed
    }

    func request(_ target: String, wrt: Set<String>, taps: Set<String> = []) -> GradientRequest {
        GradientRequest(target: target, wrt: wrt, taps: taps, reluRule: .standard, fuse: Fusion.isEnabled,
                        chainMinimum: BlockedChain.minimumGradientMultiplyAddsPerImage)
    }

    func testMatrixArchitecturesGiveTheWholeBatchGradientsInSlices() throws {
        let manifest = try JSONDecoder().decode([MatrixCase].self,
                                                from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("matrix", "manifest.json"))))
        XCTAssertEqual(manifest.count, 7)
        for matrix in manifest {
            let file = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
            let input = file.primaryInputName, logits = try XCTUnwrap(file.graph.outputs.first?.name)
            // The graph the public entry runs (ViT's class-token stretch on one row, `RowPruning`).
            let model = file.modelForRun(requesting: [input, logits])
            let x = try Fixtures.array("matrix", matrix.input).slice(batch: 0..<5)
            let whole = try Parallel.serially {
                try model.gradients([input: x], target: logits, seed: Self.rowClasses, wrt: [input])
            }
            var seen = [Tensor]()
            let sliced = try XCTUnwrap(try model.gradientsInSlices([input: x], request(logits, wrt: [input]), seed: { target in
                seen.append(target)
                return Self.rowClasses(target)
            }), "\(matrix.name): not cut")
            // The seed is made once, from the whole batch's target.
            XCTAssertEqual(seen.map(\.shape), [whole.target.shape], matrix.name)
            assertCloseToLargest(sliced.gradients[input], whole.gradients[input], "\(matrix.name) input gradient")
            assertCloseToLargest(sliced.target, whole.target, "\(matrix.name) target")
            assertCloseToLargest(sliced.forward.outputs[logits]?.asFloat, whole.forward.outputs[logits]?.asFloat, "\(matrix.name) logits")
            // The public entry cuts the same way: the same bytes.
            let again = try file.gradients([input: x], target: logits, seed: Self.rowClasses, wrt: [input])
            XCTAssertEqual(again.gradients[input], sliced.gradients[input], matrix.name)
        }
    }

    func testInnerValuesAndTapsAreJoined() throws {
        // Grad-CAM's request: the gradient and the value of an inner layer, here inside a ConvNeXt block.
        let matrix = try ModelMatrixTests.matrixCase("convnext_block")
        let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
        let input = model.primaryInputName, logits = try XCTUnwrap(model.graph.outputs.first?.name)
        let x = try Fixtures.array("matrix", matrix.input).slice(batch: 0..<4)
        let plan = try model.plan(inputShapes: [input: x.shape])
        let layer = try XCTUnwrap(plan.valueOrder.first { name in
            guard let producer = model.graph.nodes.first(where: { $0.outputs.contains(name) }) else { return false }
            return producer.opType == "Conv" && name != input
        })
        let whole = try Parallel.serially {
            try model.gradients([input: x], target: logits, seed: Self.rowClasses, wrt: [layer, input], taps: [layer])
        }
        let sliced = try XCTUnwrap(try model.gradientsInSlices([input: x], request(logits, wrt: [layer, input], taps: [layer]),
                                                               seed: Self.rowClasses))
        assertCloseToLargest(sliced.gradients[layer], whole.gradients[layer], "gradient of \(layer)")
        assertCloseToLargest(sliced.gradients[input], whole.gradients[input], "input gradient")
        assertCloseToLargest(sliced.forward.taps[layer]?.asFloat, whole.forward.taps[layer]?.asFloat, "tap \(layer)")
    }

    func testATargetWithItsBatchAxisInsideIsSeededAndCutAlongIt() throws {
        // x [N, 3, 4] → Transpose [3, N, 4] → Tanh: the target's images lie along axis 1.
        var b = GraphBuilder()
        let moved = b.add("Transpose", ["x"], ["perm": .ints([1, 0, 2])])
        let output = b.add("Tanh", [moved])
        let model = try b.model(sampleShape: [3, 4], output: output)
        var random = TestRandom(seed: 11)
        let x = random.tensor([5, 3, 4])
        let seed = random.tensor([3, 5, 4])
        let whole = try Parallel.serially { try model.gradients(["x": x], target: output, seed: { _ in seed }, wrt: ["x"]) }
        let sliced = try XCTUnwrap(try model.gradientsInSlices(["x": x], request(output, wrt: ["x"]), seed: { _ in seed }))
        assertCloseToLargest(sliced.gradients["x"], whole.gradients["x"], "input gradient", tolerance: 0)
        XCTAssertEqual(SlicedRun.split(seed, axis: 1, extents: [2, 3]).map(\.shape), [[3, 2, 4], [3, 3, 4]])
    }

    func testParameterGradientsAndGraphsThatMixImagesRunWhole() throws {
        var random = TestRandom(seed: 13)
        let x = random.tensor([6, 3, 4])
        // A weight's gradient sums over every image: the run stays whole.
        var b = GraphBuilder()
        let weight = b.parameter("w", random.tensor([4, 2]))
        let product = b.add("MatMul", ["x", weight])
        let model = try b.model(sampleShape: [3, 4], output: product)
        XCTAssertNil(try model.gradientsInSlices(["x": x], request(product, wrt: [weight]), seed: { Tensor(shape: $0.shape, repeating: 1) }))
        XCTAssertNotNil(try model.gradientsInSlices(["x": x], request(product, wrt: ["x"]), seed: { Tensor(shape: $0.shape, repeating: 1) }))
        // A softmax over the batch mixes images.
        var m = GraphBuilder()
        let mixed = m.add("Softmax", ["x"], ["axis": .int(0)])
        let mixing = try m.model(sampleShape: [3, 4], output: mixed)
        XCTAssertNil(try mixing.gradientsInSlices(["x": x], request(mixed, wrt: ["x"]), seed: Self.rowClasses))
        // One image is never cut.
        XCTAssertNil(try model.gradientsInSlices(["x": x.slice(batch: 0..<1)], request(product, wrt: ["x"]), seed: Self.rowClasses))
    }
}
