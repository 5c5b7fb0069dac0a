import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// CAM-family invariants on a GAP-linear head (docs/attribution.md#class-activation-maps).
final class CAMInvariantTests: XCTestCase {
    var random = TestRandom(seed: 11)

    /// x → Conv(2→4, 3x3, pad 1) → Relu ("features") → GlobalAveragePool → Flatten → Gemm(W: 3 x 4).
    func gapModel(positiveHead: Bool = false) throws -> (Classifier, Tensor) {
        var b = GraphBuilder()
        b.parameter("K", random.tensor([4, 2, 3, 3]))
        b.parameter("kb", random.tensor([4], in: 0.1...0.5))
        let head = random.tensor([3, 4], in: positiveHead ? 0.1...1 : -1...1)
        b.parameter("W", head)
        let conv = b.add("Conv", ["x", "K", "kb"], ["pads": .ints([1, 1, 1, 1])])
        let features = b.add("Relu", [conv], output: "features")
        let pooled = b.add("GlobalAveragePool", [features])
        let flat = b.add("Flatten", [pooled], ["axis": .int(1)])
        let logits = b.add("Gemm", [flat, "W"], ["transB": .int(1)], output: "logits")
        return (try Classifier(model: try b.model(sampleShape: [2, 6, 6], output: logits)), head)
    }

    /// CAM_c = Σ_k W_ck A^k at the layer's resolution.
    func cam(_ classifier: Classifier, _ x: Tensor, _ head: Tensor, _ target: Int) throws -> [Float] {
        let a = try classifier.model.run(x, taps: ["features"]).taps["features"]?.asFloat ?? Tensor(shape: [0])
        var map = [Float](repeating: 0, count: 36)
        for k in 0..<4 { for p in 0..<36 { map[p] += head.scalars[target * 4 + k] * a.scalars[k * 36 + p] } }
        return map
    }

    func testDefaultLayerIsLastSpatialValue() throws {
        let (classifier, _) = try gapModel()
        XCTAssertEqual(try ClassActivationMaps.defaultLayer(classifier, sampleShape: [2, 6, 6]), "features")
    }

    func testGradCAMOfGAPLinearModelIsCAMOverZ() throws {
        let (classifier, head) = try gapModel()
        let x = random.tensor([1, 2, 6, 6])
        let result = try ClassActivationMaps.attribute(classifier, images: x, targets: [1], method: .gradCAM)
        let expected = try cam(classifier, x, head, 1)
        for p in 0..<36 { XCTAssertEqual(result.raw.scalars[p], expected[p] / 36, accuracy: 1e-5) }
        XCTAssertEqual(result.map.shape, [1, 1, 6, 6])
        XCTAssertLessThanOrEqual(result.map.scalars.max() ?? 2, 1)
        XCTAssertGreaterThanOrEqual(result.map.scalars.min() ?? -1, 0)
    }

    func testLayerCAMWithPositiveHeadIsCAMOverZ() throws {
        let (classifier, head) = try gapModel(positiveHead: true)
        let x = random.tensor([1, 2, 6, 6])
        let result = try ClassActivationMaps.attribute(classifier, images: x, targets: [2], method: .layerCAM)
        let expected = try cam(classifier, x, head, 2)
        for p in 0..<36 { XCTAssertEqual(result.raw.scalars[p], expected[p] / 36, accuracy: 1e-5) }
    }

    func testGradCAMPlusPlusClosedForm() throws {
        let (classifier, head) = try gapModel()
        let x = random.tensor([1, 2, 6, 6])
        let result = try ClassActivationMaps.attribute(classifier, images: x, targets: [0], method: .gradCAMPlusPlus)
        let a = try classifier.model.run(x, taps: ["features"]).taps["features"]?.asFloat ?? Tensor(shape: [0])
        var expected = [Float](repeating: 0, count: 36)
        for k in 0..<4 {
            let g = head.scalars[k] / 36
            let s = a.scalars[(k * 36)..<((k + 1) * 36)].reduce(0, +)
            let weight = g == 0 ? 0 : 36 * max(g, 0) * g * g / (2 * g * g + s * g * g * g + 1e-6)
            for p in 0..<36 { expected[p] += weight * a.scalars[k * 36 + p] }
        }
        for p in 0..<36 { XCTAssertEqual(result.raw.scalars[p], expected[p], accuracy: 1e-5) }
    }

    func testScoreCAMIsAConvexCombinationOfChannels() throws {
        let (classifier, _) = try gapModel()
        let x = random.tensor([1, 2, 6, 6])
        let result = try ClassActivationMaps.attribute(classifier, images: x, targets: [0], method: .scoreCAM)
        let a = try classifier.model.run(x, taps: ["features"]).taps["features"]?.asFloat ?? Tensor(shape: [0])
        // Softmax weights are positive and sum to 1, so the map lies between the channel-wise min and max.
        for p in 0..<36 {
            let values = (0..<4).map { a.scalars[$0 * 36 + p] }
            XCTAssertGreaterThanOrEqual(result.raw.scalars[p], (values.min() ?? 0) - 1e-5)
            XCTAssertLessThanOrEqual(result.raw.scalars[p], (values.max() ?? 0) + 1e-5)
        }
    }

    func testEigenCAMIsClassAgnosticAndSignCorrected() throws {
        let (classifier, _) = try gapModel()
        let x = random.tensor([1, 2, 6, 6])
        let a = try ClassActivationMaps.attribute(classifier, images: x, targets: [0], method: .eigenCAM)
        let b = try ClassActivationMaps.attribute(classifier, images: x, targets: [2], method: .eigenCAM)
        XCTAssertEqual(a.raw, b.raw)
        XCTAssertGreaterThanOrEqual(abs(a.raw.scalars.max() ?? 0), abs(a.raw.scalars.min() ?? 0))
    }

    func testGuidedGradCAMIsGuidedBackpropTimesCAM() throws {
        let (classifier, _) = try gapModel()
        let x = random.tensor([1, 2, 6, 6])
        let ggc = try ClassActivationMaps.guidedGradCAM(classifier, images: x, targets: [1])
        let gbp = try GradientAttribution.guidedBackprop(classifier, images: x, targets: [1])
        let cam = try ClassActivationMaps.attribute(classifier, images: x, targets: [1], method: .gradCAM)
        for c in 0..<2 { for p in 0..<36 {
            XCTAssertEqual(ggc.scalars[c * 36 + p], gbp.scalars[c * 36 + p] * max(0, cam.raw.scalars[p]), accuracy: 1e-6)
        } }
    }

    func testBilinearResizeMatchesHandComputedValues() {
        // 2x2 → 4x4, align_corners = false: src = (u + 0.5)/2 − 0.5 clamped.
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 2, 3])
        let y = ImageFilters.resizeBilinear(x, height: 4, width: 4)
        XCTAssertEqual(Array(y.scalars[0..<4]), [0, 0.25, 0.75, 1])
        XCTAssertEqual(Array(y.scalars[4..<8]), [0.5, 0.75, 1.25, 1.5])
        let corners = ImageFilters.resizeBilinear(x, height: 3, width: 3, alignCorners: true)
        XCTAssertEqual(corners.scalars, [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3])
    }
}
