import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// One architecture of `Tests/Fixtures/matrix/manifest.json` (made by `make_model_matrix.py`).
struct MatrixCase: Decodable {
    var name: String
    /// Graph files by variant: `standard` (legacy export, dynamic batch), `ort_basic`, ...
    var variants: [String: String]
    var input: String
    var batches: [Int]
    /// onnxruntime logits by variant, then by batch size (as a string).
    var outputs: [String: [String: String]]
    var saliency: String
    var targets: [Int]
    var parameters: Int
}

/// Small ViT, Swin, MaxViT, ConvNeXt, MBConv, DenseNet and Inception graphs with random weights:
/// the forward pass matches onnxruntime at several batch sizes (the transformers also after
/// onnxruntime's optimiser), and saliency matches PyTorch's input gradient.
final class ModelMatrixTests: XCTestCase {
    static func matrixCase(_ name: String) throws -> MatrixCase {
        let url = URL(fileURLWithPath: Fixtures.path("matrix", "manifest.json"))
        let cases = try JSONDecoder().decode([MatrixCase].self, from: Data(contentsOf: url))
        guard let found = cases.first(where: { $0.name == name }) else {
            throw LoupeError(.invalidInput, location: name, "no such case in the matrix manifest")
        }
        return found
    }

    /// Asserts `max|actual - expected| <= tolerance * max|expected|` (relative to the reference's range).
    func assertRelativelyClose(_ actual: Tensor, _ expected: Tensor, _ tolerance: Float, _ message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.shape, expected.shape, message, file: file, line: line)
        guard actual.shape == expected.shape else { return }
        let scale = expected.scalars.reduce(0) { max($0, abs($1)) }
        XCTAssertGreaterThan(scale, 0, "reference is all zeros: \(message)", file: file, line: line)
        let worst = zip(actual.scalars, expected.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1).isNaN ? .infinity : abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "max|Δ| = \(worst), max|ref| = \(scale): \(message)", file: file, line: line)
    }

    /// Every variant at every batch size against onnxruntime, then saliency against PyTorch.
    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let matrix = try Self.matrixCase(name)
        let x = try Fixtures.array("matrix", matrix.input)
        XCTAssertFalse(matrix.variants.isEmpty)
        for (variant, graphFile) in matrix.variants.sorted(by: { $0.key < $1.key }) {
            let path = Fixtures.path("matrix", graphFile)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            XCTAssertLessThan(size, 1_000_000, "\(graphFile) is too large for a fixture", file: file, line: line)
            let model = try Model(path: path)
            XCTAssertEqual(model.graph.inputs.first?.dimensions?.first, .symbolic("batch"), "\(graphFile): batch axis", file: file, line: line)
            for batch in matrix.batches {
                let expected = try Fixtures.array("matrix", try XCTUnwrap(matrix.outputs[variant]?[String(batch)]))
                let logits = try model.run(x.slice(batch: 0..<batch)).firstOutput(of: model)
                assertRelativelyClose(logits, expected, 1e-4, "\(name) \(variant) batch \(batch)", file: file, line: line)
            }
        }
        let model = try Model(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
        let images = x.slice(batch: 0..<matrix.targets.count)
        let logitsName = try XCTUnwrap(model.graph.outputs.first?.name)
        let result = try model.gradients([model.primaryInputName: images], target: logitsName, seed: { logits in
            var seed = Tensor(shape: logits.shape)
            for (row, target) in matrix.targets.enumerated() { seed.scalars[row * logits.shape[1] + target] = 1 }
            return seed
        }, wrt: [model.primaryInputName])
        let saliency = try XCTUnwrap(result.gradients[model.primaryInputName])
        assertRelativelyClose(saliency, try Fixtures.array("matrix", matrix.saliency), 1e-3, "\(name) saliency", file: file, line: line)
    }

    func testViTTwoBlocks() throws { try check("vit_2block") }
    func testSwinOneStageShiftedWindows() throws { try check("swin_1stage") }
    func testMaxViTOneStage() throws { try check("maxvit_1stage") }
    func testConvNeXtBlock() throws { try check("convnext_block") }
    func testMBConvWithSqueezeExcitation() throws { try check("mbconv_se") }
    func testDenseNetBlock() throws { try check("densenet_block") }
    func testInceptionBlock() throws { try check("inception_block") }

    /// The standard exports really exercise the batch-dependent shape arithmetic the matrix is meant to test.
    func testTransformerExportsUseShapeArithmetic() throws {
        let expected: [String: Set<String>] = [
            "vit_2block": ["ConstantOfShape", "Equal", "Where", "Expand", "Mod"],
            "swin_1stage": ["ConstantOfShape", "Equal", "Not", "Where", "Expand", "Mod", "Range", "ScatterND"],
            "maxvit_1stage": ["Einsum"],
        ]
        for (name, ops) in expected {
            let matrix = try Self.matrixCase(name)
            let graph = try ModelLoader.load(path: Fixtures.path("matrix", try XCTUnwrap(matrix.variants["standard"])))
            XCTAssertEqual(ops.subtracting(graph.nodes.map(\.opType)), [], name)
        }
    }
}
