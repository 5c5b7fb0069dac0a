import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Swin support: channels-last token layers `[N, H, W, C]` found in the graph, moved channels
/// first, Grad-CAM on them against pytorch-grad-cam, and no class-token attention.
final class SwinTokenTests: XCTestCase {
    func matrixCase(_ name: String) throws -> MatrixCase { try MatrixCase.named(name) }

    func model(_ name: String) throws -> Model { try MatrixCase.named(name).model() }

    static let lastNorm1 = "/features/features.1/features.1.1/norm1/LayerNormalization_output_0"

    func testChannelsFirstMovesTheLastAxisFirst() throws {
        // Value of image n at row y, column x, channel c: 1000n + 100y + 10x + c.
        let (n, h, w, c) = (2, 2, 3, 4)
        var values = [Float]()
        func value(_ image: Int, _ y: Int, _ x: Int, _ ch: Int) -> Float { Float(1000 * image + 100 * y + 10 * x + ch) }
        for image in 0..<n { for y in 0..<h { for x in 0..<w { for ch in 0..<c { values.append(value(image, y, x, ch)) } } } }
        let grid = try TokenGrid.channelsFirst(Tensor(shape: [n, h, w, c], scalars: values))
        XCTAssertEqual(grid.shape, [2, 4, 2, 3])
        for image in 0..<n {
            for ch in 0..<c {
                for y in 0..<h {
                    for x in 0..<w {
                        let index: Int = ((image * c + ch) * h + y) * w + x
                        XCTAssertEqual(grid.scalars[index], value(image, y, x, ch))
                    }
                }
            }
        }
        XCTAssertThrowsError(try TokenGrid.channelsFirst(Tensor(shape: [2, 4, 3])))
    }

    func testSwinStagesAreChannelsLastTokenLayersWithoutClassTokenAttention() throws {
        let swin = try model("swin_1stage")
        let plan = try swin.plan(inputShapes: [swin.primaryInputName: [1, 3, 32, 32]])
        let layers = TokenGrid.layers(in: swin.graph, plan: plan)
        // The patch embedding's norm, norm1 and norm2 of both blocks, and the final norm.
        XCTAssertEqual(layers.count, 6)
        XCTAssertTrue(layers.allSatisfy { $0.layout == .channelsLast && $0.grid == [16, 8, 8] })
        XCTAssertTrue(layers.contains { $0.value == Self.lastNorm1 })
        XCTAssertEqual(TokenGrid.selfAttention(in: swin.graph, plan: plan).count, 2, "two window-attention blocks")
        XCTAssertTrue(TokenGrid.attentionProbabilities(in: swin.graph, plan: plan).isEmpty, "no class token")
        XCTAssertTrue(TokenGrid.isChannelsLast(Self.lastNorm1, in: swin.graph, rank: 4))
        XCTAssertFalse(TokenGrid.isChannelsLast("/permute/Transpose_output_0", in: swin.graph, rank: 4), "the permuted map is channels first")
    }

    func testMaxViTWindowsAreNoTokenGrid() throws {
        // MaxViT normalises [N, windows, tokens, C] before each attention: that is no image.
        let maxvit = try model("maxvit_1stage")
        let plan = try maxvit.plan(inputShapes: [maxvit.primaryInputName: [1, 3, 32, 32]])
        XCTAssertFalse(TokenGrid.selfAttention(in: maxvit.graph, plan: plan).isEmpty)
        XCTAssertTrue(TokenGrid.layers(in: maxvit.graph, plan: plan).isEmpty)
    }

    func testSwinCandidatesAreMapsWithTheChannelsFirst() throws {
        let swin = try model("swin_1stage")
        let plan = try swin.plan(inputShapes: [swin.primaryInputName: [1, 3, 32, 32]])
        let candidate = try XCTUnwrap(ActivationLayers.tokenCandidates(in: swin.graph, plan: plan).first { $0.value == Self.lastNorm1 })
        XCTAssertEqual(candidate.shape, [16, 8, 8])
        let x = try Fixtures.array("matrix", try matrixCase("swin_1stage").input).slice(batch: 0..<2)
        let tapped = try XCTUnwrap(try swin.run(x, taps: [Self.lastNorm1]).taps[Self.lastNorm1]?.asFloat)
        XCTAssertEqual(tapped.shape, [2, 8, 8, 16])
        let map = try XCTUnwrap(try candidate.map(tapped))
        XCTAssertEqual(map.shape, [2, 16, 8, 8])
        // Channel 5 at row 3, column 6 of image 1.
        let first: Int = ((16 + 5) * 8 + 3) * 8 + 6
        let last: Int = ((8 + 3) * 8 + 6) * 16 + 5
        XCTAssertEqual(map.scalars[first], tapped.scalars[last])
    }

    func testSwinDefaultLayerIsTheLastBlocksNorm1() throws {
        let classifier = try Classifier(model: try model("swin_1stage"))
        XCTAssertEqual(try ClassActivationMaps.defaultLayer(classifier, sampleShape: [3, 32, 32]), Self.lastNorm1)
    }

    func testGradCAMOnSwinMatchesPytorchGradCAM() throws {
        let swin = try matrixCase("swin_1stage")
        let reference = try Fixtures.array("matrix", try XCTUnwrap(swin.gradcam, "manifest has no gradcam entry for swin_1stage"))
        let classifier = try Classifier(model: try model("swin_1stage"))
        let x = try Fixtures.array("matrix", swin.input).slice(batch: 0..<swin.targets.count)
        let cam = try ClassActivationMaps.attribute(classifier, images: x, targets: swin.targets, method: .gradCAM)
        XCTAssertEqual(cam.layer, Self.lastNorm1)
        XCTAssertEqual(cam.raw.shape, [3, 1, 8, 8])
        XCTAssertEqual(cam.map.shape, [3, 1, 32, 32])
        XCTAssertEqual(reference.shape, [3, 32, 32])
        let worst = zip(cam.map.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 2e-3, "max |Loupe − pytorch-grad-cam| over the maps in [0, 1]")
    }
}
