import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Top-k heaps, streamed channel statistics, receptive fields and layer choice (docs/feature-visualisation.md#activation-statistics, docs/feature-visualisation.md#top-activations).
final class ActivationsAnalysisTests: XCTestCase {
    var random = TestRandom(seed: 9)

    func testStreamingTopNineEqualsFullSort() {
        // 500 images, scores quantised so ties occur; ties rank the lower index first.
        let scores = (0..<500).map { _ in (random.uniform() * 40).rounded() / 4 }
        var heap = TopActivations(capacity: 9)
        for (i, s) in scores.enumerated() { heap.offer(ActivationHit(score: s, index: i, row: i % 3, column: i % 5)) }
        let expected = scores.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(9).map(\.offset)
        XCTAssertEqual(heap.sorted.map(\.index), expected)
        XCTAssertEqual(heap.sorted.map(\.score), expected.map { scores[$0] })
        var small = TopActivations(capacity: 3)
        small.offer(ActivationHit(score: 1, index: 0, row: 0, column: 0))
        XCTAssertEqual(small.sorted.count, 1)
    }

    func testSpatialMaximumTakesTheFirstMaximum() {
        let map: [Float] = [0, 3, 1, 3, 2, 0]
        map.withUnsafeBufferPointer { p in
            let best = spatialMaximum(p, width: 3)
            XCTAssertEqual(best.value, 3); XCTAssertEqual(best.row, 0); XCTAssertEqual(best.column, 1)
        }
    }

    func testChannelStatisticsMatchDirectComputation() throws {
        var stats = ChannelStatistics(channels: 3, kind: .rectified)
        var all = [Tensor]()
        for _ in 0..<3 {
            var t = random.tensor([2, 3, 2, 2])
            for i in t.scalars.indices { t.scalars[i] = max(0, t.scalars[i]) }
            // Channel 1 dead everywhere, channel 2 always positive.
            for n in 0..<2 {
                for p in 0..<4 {
                    let dead: Int = (n * 3 + 1) * 4 + p, alive: Int = (n * 3 + 2) * 4 + p
                    t.scalars[dead] = 0
                    t.scalars[alive] = 0.1 + Float(p)
                }
            }
            all.append(t)
            try stats.add(t)
        }
        for c in 0..<3 {
            var values = [Float]()
            for t in all {
                for n in 0..<2 {
                    let start: Int = (n * 3 + c) * 4
                    values += t.scalars[start..<(start + 4)]
                }
            }
            XCTAssertEqual(stats.means[c], values.map(Double.init).reduce(0, +) / 24, accuracy: 1e-9)
            XCTAssertEqual(stats.zeroFractions[c], Double(values.filter { $0 == 0 }.count) / 24, accuracy: 1e-12)
            XCTAssertEqual(stats.maxima[c], values.max())
        }
        XCTAssertEqual(stats.dead, [false, true, false])
        XCTAssertEqual(stats.saturated, [false, false, true])
        XCTAssertThrowsError(try stats.add(Tensor(shape: [1, 2, 2, 2])))
    }

    func testSigmoidSaturationUsesTheBounds() throws {
        var stats = ChannelStatistics(channels: 2, kind: .sigmoid)
        try stats.add(Tensor(shape: [1, 2, 1, 4], scalars: [0.999, 0.001, 0.995, 0.005, 0.5, 0.999, 0.3, 0.001]))
        XCTAssertEqual(stats.saturated, [true, false])
    }

    /// x(1x16x16) → Conv 3x3 pad 1 → Relu → MaxPool 2/2 → Conv 3x3 pad 1 → Relu.
    func chain() throws -> Model {
        var b = GraphBuilder()
        b.parameter("K1", random.tensor([2, 1, 3, 3]))
        b.parameter("K2", random.tensor([3, 2, 3, 3]))
        let c1 = b.add("Conv", ["x", "K1"], ["pads": .ints([1, 1, 1, 1])])
        let r1 = b.add("Relu", [c1], output: "r1")
        let p1 = b.add("MaxPool", [r1], ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], output: "p1")
        let c2 = b.add("Conv", [p1, "K2"], ["pads": .ints([1, 1, 1, 1])])
        let r2 = b.add("Relu", [c2], output: "r2")
        return try b.model(sampleShape: [1, 16, 16], output: r2)
    }

    func testReceptiveFieldOfAKnownChain() throws {
        let model = try chain()
        let field = try XCTUnwrap(ReceptiveField.trace(to: "r2", in: model.graph))
        XCTAssertEqual(field.steps.count, 3)
        // Backwards: conv2 [r-1, r+1], pool [2(r-1), 2(r+1)+1], conv1 [2r-3, 2r+4].
        XCTAssertEqual(field.box(row: 0, column: 0), PixelBox(top: -3, left: -3, bottom: 4, right: 4))
        XCTAssertEqual(field.box(row: 2, column: 3), PixelBox(top: 1, left: 3, bottom: 8, right: 10))
        XCTAssertEqual(field.size.height, 8)
        XCTAssertEqual(try XCTUnwrap(ReceptiveField.trace(to: "r1", in: model.graph)).box(row: 5, column: 5),
                       PixelBox(top: 4, left: 4, bottom: 6, right: 6))
        XCTAssertEqual(ReceptiveField(steps: [SpatialStep(kernel: [3, 3], dilations: [2, 2])]).size.width, 5)
    }

    func testCandidatesPreferPostActivationMaps() throws {
        let model = try chain()
        let plan = try model.plan(batchSize: 1)
        let candidates = ActivationLayers.candidates(in: model.graph, shapes: { plan.shape(of: $0) })
        XCTAssertEqual(candidates.map(\.value), ["r1", "p1", "r2"])
        XCTAssertEqual(candidates[1].shape, [2, 8, 8])
        XCTAssertEqual(ActivationLayers.evenlySpaced(Array(0..<10), limit: 4), [0, 3, 6, 9])
        XCTAssertEqual(ActivationLayers.evenlySpaced([1, 2], limit: 6), [1, 2])
    }
}
