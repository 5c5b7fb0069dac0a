import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Weight statistics, filter scaling and FC template reshaping (docs/feature-visualisation.md#weights).
final class WeightsAnalysisTests: XCTestCase {
    var random = TestRandom(seed: 5)

    func testTemplatesGiveBackTheImageAUnitWasBuiltFrom() throws {
        // Unit u's weights are a known 2x3x4 pattern; both storage layouts must return it.
        let sample = [2, 3, 4], features = 24, units = 3
        let pattern = (0..<units).map { u in (0..<features).map { Float(u * 100 + $0) } }
        let unitsFirst = Tensor(shape: [units, features], scalars: pattern.flatMap { $0 })
        var transposed = [Float](repeating: 0, count: units * features)
        for u in 0..<units { for d in 0..<features { transposed[d * units + u] = pattern[u][d] } }
        let a = try WeightLayers.templates(weight: unitsFirst, unitsFirst: true, sampleShape: sample)
        let b = try WeightLayers.templates(weight: Tensor(shape: [features, units], scalars: transposed), unitsFirst: false,
                                           sampleShape: sample)
        XCTAssertEqual(a.shape, [3, 2, 3, 4])
        XCTAssertEqual(a, b)
        // Element (u, c, h, w) is feature c*12 + h*4 + w of unit u.
        XCTAssertEqual(a.scalars[(2 * 24) + 1 * 12 + 2 * 4 + 3], 200 + 23)
        XCTAssertThrowsError(try WeightLayers.templates(weight: unitsFirst, unitsFirst: false, sampleShape: sample))
    }

    func testImageTemplatesFindGemmAfterFlatten() throws {
        var b = GraphBuilder()
        let w = random.tensor([5, 16])
        b.parameter("W", w)
        let flat = b.add("Flatten", ["x"], ["axis": .int(1)])
        let out = b.add("Gemm", [flat, "W"], ["transB": .int(1)], output: "logits")
        let model = try b.model(sampleShape: [1, 4, 4], output: out)
        let layer = try XCTUnwrap(WeightLayers.imageTemplates(in: model.graph, sampleShape: [1, 4, 4]))
        XCTAssertEqual(layer.weightName, "W")
        XCTAssertEqual(layer.templates, w.reshaped([5, 1, 4, 4]))
        XCTAssertNil(WeightLayers.imageTemplates(in: model.graph, sampleShape: [1, 4, 5]))
    }

    func testFixtureMLPTemplatesAreItsFirstLayerRows() throws {
        let fixture = try XCTUnwrap(try Fixtures.cases("models").first { $0.name == "mlp_8x8" })
        let model = try Model(path: try Fixtures.modelPath("models", fixture))
        let layer = try XCTUnwrap(WeightLayers.imageTemplates(in: model.graph, sampleShape: [1, 8, 8]))
        XCTAssertEqual(layer.templates.shape, [32, 1, 8, 8])
        guard case .float(let w)? = model.graph.initializers[layer.weightName] else { return XCTFail("no weight") }
        // Gemm with transB=1 stores [32, 64]; MatMul stores [64, 32]: either way unit 7, pixel (3, 5) is the same number.
        let expected = w.shape == [32, 64] ? w.scalars[7 * 64 + 29] : w.scalars[29 * 32 + 7]
        XCTAssertEqual(layer.templates.scalars[7 * 64 + 3 * 8 + 5], expected)
    }

    func testFilterScalingMapsEachFilterMinToZeroAndMaxTo255() {
        let filter: [Float] = [-0.5, 0.25, 1.5, 0.5]
        XCTAssertEqual(FilterScaling.bytesScaledOnTheirOwn(filter), [0, 96, 255, 128])
        XCTAssertEqual(FilterScaling.bytesScaledOnTheirOwn([2, 2]), [0, 0])
        XCTAssertEqual(FilterScaling.bytes([-1, 0, 1, 3], lower: -1, upper: 1), [0, 128, 255, 255])
    }

    func testStatisticsMatchDirectComputation() {
        var values = random.tensor([4, 3, 3, 3]).scalars
        values[3] = 0; values[7] = 1e-6; values[9] = .nan
        let s = WeightStatistics(name: "k", tensor: Tensor(shape: [4, 3, 3, 3], scalars: values))
        let finite = values.filter(\.isFinite).map(Double.init)
        let mean = finite.reduce(0, +) / Double(finite.count)
        let std = (finite.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(finite.count)).squareRoot()
        let largest = finite.map(abs).max() ?? 0
        XCTAssertEqual(s.count, 108)
        XCTAssertEqual(s.nonFiniteCount, 1)
        XCTAssertEqual(s.mean, mean, accuracy: 1e-12)
        XCTAssertEqual(s.std, std, accuracy: 1e-12)
        XCTAssertEqual(s.l2Norm, finite.map { $0 * $0 }.reduce(0, +).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.max, finite.max() ?? 0)
        let small = finite.filter { abs($0) < 1e-3 * largest }.count
        XCTAssertGreaterThanOrEqual(small, 2)
        XCTAssertEqual(s.nearZeroFraction, Double(small) / Double(finite.count), accuracy: 1e-12)
    }

    func testHistogramCountsEveryFiniteValueOnce() {
        let h = Histogram([0, 0.5, 1, 1, .infinity], bins: 4)
        XCTAssertEqual(h.counts, [1, 0, 1, 2])
        XCTAssertEqual(h.lower, 0); XCTAssertEqual(h.upper, 1)
    }

    func testConvolutionsAreFoundInGraphOrder() throws {
        var b = GraphBuilder()
        b.parameter("K1", random.tensor([4, 1, 5, 5]))
        b.parameter("K2", random.tensor([6, 4, 3, 3]))
        let c1 = b.add("Conv", ["x", "K1"])
        let c2 = b.add("Conv", [c1, "K2"], ["group": .int(1)], output: "out")
        let model = try b.model(sampleShape: [1, 9, 9], output: c2)
        XCTAssertEqual(WeightLayers.convolutions(in: model.graph).map(\.weightName), ["K1", "K2"])
    }
}
