@testable import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// `RowPruning`: a ViT's layers after its last attention run on the class token alone, with the whole
/// graph's outputs and gradients; a tap inside the pruned stretch runs the whole graph.
final class RowPruningTests: XCTestCase {
    func request(_ target: String, wrt: Set<String>) -> GradientRequest {
        GradientRequest(target: target, wrt: wrt, taps: [], reluRule: .standard, fuse: Fusion.isEnabled,
                        chainMinimum: BlockedChain.minimumGradientMultiplyAddsPerImage)
    }

    func testViTLayersAfterTheLastAttentionRunOnTheClassToken() throws {
        let model = try Model(path: Fixtures.path("matrix", "vit_2block.onnx"))
        let input = model.primaryInputName, logits = try XCTUnwrap(model.graph.outputs.first?.name)
        let pruning = try XCTUnwrap(model.rowPruning(), "the 2-block ViT has a class-token stretch")
        // The final LayerNorm, the last block's MLP (two products) and its residual additions.
        let finalNorm = "/encoder/ln/LayerNormalization_output_0"
        XCTAssertTrue(pruning.prunedValues.contains(finalNorm))
        let products = model.graph.nodes.filter { $0.opType == "MatMul" && pruning.prunedValues.contains($0.outputs[0]) }
        XCTAssertEqual(products.count, 2, "the last MLP's two products")
        // The row is taken from the attention's output and from the block's input (its residual).
        let taken = pruning.model.graph.nodes.filter { $0.opType == "Gather" && $0.name.contains("#row") }
        XCTAssertEqual(taken.count, 2, "rows taken before the stretch: \(taken.map(\.inputs))")
        let x = try Fixtures.array("matrix", "vit_2block.x.npy").slice(batch: 0..<3)
        // Forward: the pruned run against the whole graph and against onnxruntime.
        let whole = try model.runWhole([input: x]).outputs[logits]?.asFloat
        let pruned = try model.run([input: x]).outputs[logits]?.asFloat
        assertCloseToLargest(pruned, whole, "logits")
        assertCloseToLargest(pruned, try Fixtures.array("matrix", "vit_2block.standard.b3.npy"), "logits against onnxruntime", tolerance: 4e-5)
        // Input gradients and the gradient of a weight inside the pruned stretch.
        let weight = try XCTUnwrap(products.last?.inputs[1])
        let seed = { (target: Tensor) in SlicedGradientTests.rowClasses(target) }
        let wholeGradients = try GradientRun(model: model, inputs: [input: x], request(logits, wrt: [input, weight]))
        let expected = try wholeGradients.backward(seed: seed(wholeGradients.target))
        let result = try model.gradients([input: x], target: logits, seed: seed, wrt: [input, weight])
        assertCloseToLargest(result.gradients[input], expected.gradients[input], "input gradient")
        assertCloseToLargest(result.gradients[weight], expected.gradients[weight], "weight gradient")
        // A tap inside the stretch runs the whole graph: all tokens, same logits.
        let tapped = try model.run([input: x], taps: [finalNorm])
        XCTAssertEqual(tapped.taps[finalNorm]?.shape, try XCTUnwrap(model.plan(batchSize: 3).shape(of: finalNorm)))
        assertCloseToLargest(tapped.outputs[logits]?.asFloat, whole, "logits with a tap")
    }

    func testOnlyAGatheredRowReadByNothingElseIsPruned() throws {
        var random = TestRandom(seed: 5)
        func graph(alsoOutput: Bool) throws -> Model {
            var b = GraphBuilder()
            let product = b.add("MatMul", ["x", b.parameter("w", random.tensor([4, 6]))])
            let activated = b.add("Relu", [product])
            b.initializers["row"] = .int(IntTensor(shape: [], values: [2]))
            let taken = b.add("Gather", [activated, "row"], ["axis": .int(1)])
            let output = alsoOutput ? b.add("Add", [taken, b.add("ReduceSum", [activated], ["axes": .ints([1]), "keepdims": .int(0)])])
                : taken
            return try b.model(sampleShape: [5, 4], output: output)
        }
        let model = try graph(alsoOutput: false)
        let pruning = try XCTUnwrap(model.rowPruning())
        XCTAssertEqual(pruning.prunedValues.count, 2, "the product and the ReLU")
        let x = random.tensor([3, 5, 4])
        assertCloseToLargest(try model.run(x).outputs.values.first?.asFloat, try model.runWhole(["x": x]).outputs.values.first?.asFloat, "row 2")
        // The ReLU's rows are also summed into the output: nothing is pruned.
        XCTAssertNil(try graph(alsoOutput: true).rowPruning())
        // A gather on the batch axis is not a row of each image.
        var b = GraphBuilder()
        b.initializers["row"] = .int(IntTensor(shape: [], values: [0]))
        let first = b.add("Gather", [b.add("Relu", ["x"]), "row"], ["axis": .int(0)])
        XCTAssertNil(try b.model(sampleShape: [5, 4], output: first).rowPruning())
    }
}
