import LoupeAnalysis
import LoupeEngine
import LoupeTensor
import LoupeTestSupport
import Foundation
import XCTest

/// Per-layer gradient norms against a hand-written backward pass of a two-layer MLP.
final class GradientStatisticsTests: XCTestCase {
    /// x(4) → Gemm(W1 4x3, b1) → Relu → Gemm(W2 3x3, b2) → logits.
    func tinyModel() throws -> (Model, [Float], [Float], [Float], [Float]) {
        var random = TestRandom(seed: 7)
        let w1 = random.tensor([12]).scalars, b1: [Float] = [0.1, -0.2, 0.3]
        let w2 = random.tensor([9]).scalars, b2: [Float] = [0.05, 0, -0.05]
        var b = GraphBuilder()
        b.parameter("W1", Tensor(shape: [4, 3], scalars: w1)); b.parameter("b1", Tensor(shape: [3], scalars: b1))
        b.parameter("W2", Tensor(shape: [3, 3], scalars: w2)); b.parameter("b2", Tensor(shape: [3], scalars: b2))
        let z1 = b.add("Gemm", ["x", "W1", "b1"], output: "z1")
        let h = b.add("Relu", [z1], output: "h")
        b.add("Gemm", [h, "W2", "b2"], output: "logits")
        return (try b.model(sampleShape: [4], output: "logits"), w1, b1, w2, b2)
    }

    /// Direct computation: (‖dW1,db1‖, ‖dz1‖, ‖dW2,db2‖, ‖dlogits‖) for one batch of the mean cross-entropy.
    func direct(_ x: [Float], labels: [Int], w1: [Float], b1: [Float], w2: [Float], b2: [Float]) -> [Double] {
        let n = labels.count
        var dW1 = [Double](repeating: 0, count: 12), db1 = [Double](repeating: 0, count: 3)
        var dW2 = [Double](repeating: 0, count: 9), db2 = [Double](repeating: 0, count: 3)
        var dz1Squares = 0.0, g2Squares = 0.0
        for r in 0..<n {
            let xr = (0..<4).map { Double(x[r * 4 + $0]) }
            let z1 = (0..<3).map { j in (0..<4).reduce(Double(b1[j])) { $0 + xr[$1] * Double(w1[$1 * 3 + j]) } }
            let h = z1.map { max($0, 0) }
            let z2 = (0..<3).map { k in (0..<3).reduce(Double(b2[k])) { $0 + h[$1] * Double(w2[$1 * 3 + k]) } }
            let top = z2.max() ?? 0
            let e = z2.map { Foundation.exp($0 - top) }, total = e.reduce(0, +)
            let g2 = (0..<3).map { (e[$0] / total - ($0 == labels[r] ? 1 : 0)) / Double(n) }
            g2Squares += g2.reduce(0) { $0 + $1 * $1 }
            for j in 0..<3 { for k in 0..<3 { dW2[j * 3 + k] += h[j] * g2[k] } }
            for k in 0..<3 { db2[k] += g2[k] }
            let dz1 = (0..<3).map { j in z1[j] > 0 ? (0..<3).reduce(0.0) { $0 + g2[$1] * Double(w2[j * 3 + $1]) } : 0 }
            dz1Squares += dz1.reduce(0) { $0 + $1 * $1 }
            for i in 0..<4 { for j in 0..<3 { dW1[i * 3 + j] += xr[i] * dz1[j] } }
            for j in 0..<3 { db1[j] += dz1[j] }
        }
        let norm = { (a: [Double]) in a.reduce(0) { $0 + $1 * $1 } }
        return [(norm(dW1) + norm(db1)).squareRoot(), dz1Squares.squareRoot(), (norm(dW2) + norm(db2)).squareRoot(),
                g2Squares.squareRoot()]
    }

    func testLayerNormsMatchDirectComputation() throws {
        let (model, w1, b1, w2, b2) = try tinyModel()
        let classifier = try Classifier(model: model)
        let layers = LayerGradientStatistics.layers(of: model)
        XCTAssertEqual(layers.map(\.parameters), [["W1", "b1"], ["W2", "b2"]])
        XCTAssertEqual(layers.map(\.activation), ["z1", "logits"])
        XCTAssertEqual(layers.map(\.parameterCount), [15, 12])
        var random = TestRandom(seed: 3)
        let batches: [(Tensor, [Int])] = [(5, [0, 1, 2, 1, 0]), (3, [2, 2, 1])].map { n, labels in
            (random.tensor([n, 4], in: -2...2), labels)
        }
        var next = 0
        let report = try LayerGradientStatistics.measure(classifier, layers: layers) {
            defer { next += 1 }
            return next < batches.count ? (batches[next].0, batches[next].1) : nil
        }
        XCTAssertEqual(report.batchSizes, [5, 3])
        XCTAssertEqual(report.skippedParameters, [])
        let expected = batches.map { direct($0.0.scalars, labels: $0.1, w1: w1, b1: b1, w2: w2, b2: b2) }
        for (batch, values) in expected.enumerated() {
            XCTAssertEqual(report.layers[0].parameterNorms[batch], values[0], accuracy: 1e-5 * max(1, values[0]))
            XCTAssertEqual(report.layers[0].activationNorms[batch], values[1], accuracy: 1e-5 * max(1, values[1]))
            XCTAssertEqual(report.layers[1].parameterNorms[batch], values[2], accuracy: 1e-5 * max(1, values[2]))
            XCTAssertEqual(report.layers[1].activationNorms[batch], values[3], accuracy: 1e-5 * max(1, values[3]))
        }
        let first = expected.map { $0[0] }
        XCTAssertEqual(report.layers[0].parameterMean, (first[0] + first[1]) / 2, accuracy: 1e-6)
        XCTAssertEqual(report.layers[0].parameterSpread, abs(first[0] - first[1]) / 2.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(report.firstToLastRatio ?? 0, report.layers[0].parameterMean / report.layers[1].parameterMean, accuracy: 1e-12)
    }

    func testFlowThresholds() {
        let layer = GradientLayer(name: "l", opType: "Conv", parameters: ["w"], activation: "a", parameterCount: 1)
        func report(_ first: Double, _ last: Double) -> LayerGradientReport {
            LayerGradientReport(layers: [LayerGradientNorms(layer: layer, parameterNorms: [first], activationNorms: [1]),
                                         LayerGradientNorms(layer: layer, parameterNorms: [last], activationNorms: [1])],
                                losses: [1], batchSizes: [1], skippedParameters: [])
        }
        XCTAssertEqual(report(1e-4, 1).flow, .vanishing)
        XCTAssertEqual(report(1e4, 1).flow, .exploding)
        XCTAssertEqual(report(0.5, 1).flow, .healthy)
        XCTAssertEqual(report(1, 0).flow, .undetermined)
        XCTAssertEqual(LayerGradientStatistics.standardDeviation([1, 2, 3, 4]), (5.0 / 3).squareRoot(), accuracy: 1e-12)
    }
}
