import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Vision-transformer support: token layers as patch grids, Grad-CAM on them against
/// pytorch-grad-cam, attention found in the graph, and attention rollout.
final class TokenGridTests: XCTestCase {
    /// The committed 2-block ViT of the model matrix (Tests/Fixtures/make_model_matrix.py).
    func vitCase() throws -> MatrixCase { try MatrixCase.named("vit_2block") }

    func testTokenShapesNeedAClassTokenAndASquareGrid() {
        XCTAssertEqual(TokenGrid.side(ofTokenShape: [2, 197, 768]), 14)
        XCTAssertEqual(TokenGrid.side(ofTokenShape: [1, 17, 32]), 4)
        XCTAssertNil(TokenGrid.side(ofTokenShape: [1, 16, 32]), "no class token")
        XCTAssertNil(TokenGrid.side(ofTokenShape: [1, 2, 32]), "a 1x1 grid is no map")
        XCTAssertNil(TokenGrid.side(ofTokenShape: [1, 17, 32, 1]))
    }

    func testPatchGridDropsTheClassTokenAndKeepsRowMajorPatches() throws {
        // Token t of image n, channel c holds 1000n + 10t + c.
        let (n, tokens, channels) = (2, 5, 3)
        let values = (0..<(n * tokens * channels)).map { i -> Float in
            Float(1000 * (i / (tokens * channels)) + 10 * ((i / channels) % tokens) + i % channels)
        }
        let grid = try TokenGrid.patchGrid(Tensor(shape: [n, tokens, channels], scalars: values))
        XCTAssertEqual(grid.shape, [2, 3, 2, 2])
        for image in 0..<n {
            for c in 0..<channels {
                for p in 0..<4 {
                    XCTAssertEqual(grid.scalars[(image * channels + c) * 4 + p], Float(1000 * image + 10 * (p + 1) + c))
                }
            }
        }
    }

    func testViTDefaultLayerIsTheLastBlocksFirstLayerNorm() throws {
        let vit = try vitCase()
        let classifier = try Classifier(model: try Model(path: Fixtures.path("matrix", vit.variants["standard"] ?? "")))
        XCTAssertEqual(try ClassActivationMaps.defaultLayer(classifier, sampleShape: [3, 32, 32]),
                       "/encoder/layers/encoder_layer_1/ln_1/LayerNormalization_output_0")
    }

    func testGradCAMOnTheTokenGridMatchesPytorchGradCAM() throws {
        let vit = try vitCase()
        let reference = try Fixtures.array("matrix", try XCTUnwrap(vit.gradcam, "manifest has no gradcam entry"))
        let classifier = try Classifier(model: try Model(path: Fixtures.path("matrix", vit.variants["standard"] ?? "")))
        let x = try Fixtures.array("matrix", vit.input).slice(batch: 0..<vit.targets.count)
        let cam = try ClassActivationMaps.attribute(classifier, images: x, targets: vit.targets, method: .gradCAM)
        XCTAssertEqual(cam.raw.shape, [3, 1, 4, 4])
        XCTAssertEqual(cam.map.shape, [3, 1, 32, 32])
        XCTAssertEqual(reference.shape, [3, 32, 32])
        let worst = zip(cam.map.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 2e-3, "max |Loupe − pytorch-grad-cam| over the maps in [0, 1]")
    }

    func testAttentionIsFoundAndRowsAreProbabilities() throws {
        let vit = try vitCase()
        let model = try Model(path: Fixtures.path("matrix", vit.variants["standard"] ?? ""))
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1, 3, 32, 32]])
        let layers = TokenGrid.attentionProbabilities(in: model.graph, plan: plan)
        XCTAssertEqual(layers.count, 2)
        let x = try Fixtures.array("matrix", vit.input).slice(batch: 0..<2)
        let taps = try model.run(x, taps: Set(layers)).taps
        for name in layers {
            let attention = try AttentionRollout.perHead(try XCTUnwrap(taps[name]?.asFloat), batch: 2)
            XCTAssertEqual(attention.shape, [2, 2, 17, 17])
            for row in 0..<(2 * 2 * 17) {
                XCTAssertEqual(attention.scalars[(row * 17)..<((row + 1) * 17)].reduce(0, +), 1, accuracy: 1e-5)
            }
        }
        let rollout = try AttentionRollout.classTokenRollout(layers.map { try AttentionRollout.perHead(taps[$0]?.asFloat ?? Tensor(shape: [0]), batch: 2) })
        XCTAssertEqual(rollout.shape, [2, 1, 4, 4])
    }

    /// The class-token row of (½A₂ + ½I)(½A₁ + ½I) for one head, computed as a full matrix product here.
    func testRolloutIsTheClassRowOfTheProductOfResidualAttention() throws {
        var random = TestRandom(seed: 5)
        let tokens = 5
        func attention() -> Tensor {
            var t = random.tensor([1, 1, tokens, tokens], in: 0.01...1)
            for row in 0..<tokens {
                let sum = t.scalars[(row * tokens)..<((row + 1) * tokens)].reduce(0, +)
                for c in 0..<tokens { t.scalars[row * tokens + c] /= sum }
            }
            return t
        }
        let (first, second) = (attention(), attention())
        func residual(_ a: Tensor) -> [[Double]] {
            (0..<tokens).map { i in (0..<tokens).map { j in 0.5 * Double(a.scalars[i * tokens + j]) + (i == j ? 0.5 : 0) } }
        }
        let (a1, a2) = (residual(first), residual(second))
        let product = (0..<tokens).map { i in (0..<tokens).map { j in (0..<tokens).reduce(0.0) { $0 + a2[i][$1] * a1[$1][j] } } }
        let rollout = try AttentionRollout.classTokenRollout([first, second])
        XCTAssertEqual(rollout.shape, [1, 1, 2, 2])
        for p in 0..<4 { XCTAssertEqual(Double(rollout.scalars[p]), product[0][p + 1], accuracy: 1e-6) }
    }
}
