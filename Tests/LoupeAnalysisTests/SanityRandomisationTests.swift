import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Model parameter randomisation: layer enumeration, re-initialisation schemes, the original left untouched.
final class SanityRandomisationTests: XCTestCase {
    /// x[N,1,6,6] → Conv(4, 3x3, pad 1) → BatchNorm → Relu → GAP → Flatten → MatMul(4→5) + b → Gemm(5→3, transB).
    func toyModel(convChannels: Int = 4) throws -> Model {
        var random = TestRandom(seed: 5)
        var b = GraphBuilder()
        b.parameter("W1", random.tensor([convChannels, 1, 3, 3]))
        b.parameter("b1", random.tensor([convChannels]))
        let conv = b.add("Conv", ["x", "W1", "b1"], ["pads": .ints([1, 1, 1, 1]), "kernel_shape": .ints([3, 3])])
        b.parameter("scale", random.tensor([convChannels], in: 0.5...1.5))
        b.parameter("shift", random.tensor([convChannels]))
        b.parameter("mean", random.tensor([convChannels]))
        b.parameter("var", random.tensor([convChannels], in: 0.5...2))
        let bn = b.add("BatchNormalization", [conv, "scale", "shift", "mean", "var"])
        let relu = b.add("Relu", [bn])
        let pooled = b.add("GlobalAveragePool", [relu])
        let flat = b.add("Flatten", [pooled], ["axis": .int(1)])
        b.parameter("W2", random.tensor([convChannels, 5]))
        b.parameter("b2", random.tensor([5]))
        let mm = b.add("MatMul", [flat, "W2"])
        let biased = b.add("Add", [mm, "b2"])
        b.parameter("W3", random.tensor([3, 5]))
        b.parameter("b3", random.tensor([3]))
        b.add("Gemm", [biased, "W3", "b3"], ["transB": .int(1)], output: "logits")
        return try b.model(sampleShape: [1, 6, 6], output: "logits")
    }

    func testLayersAreEnumeratedInGraphOrderWithTheirSchemes() throws {
        let layers = ParameterRandomisation.layers(in: try toyModel().graph)
        XCTAssertEqual(layers.map(\.opType), ["Conv", "BatchNormalization", "MatMul", "Gemm"])
        XCTAssertEqual(layers.map { $0.parameters.map(\.name) }, [["W1", "b1"], ["scale", "shift", "mean", "var"], ["W2", "b2"], ["W3", "b3"]])
        XCTAssertEqual(layers[0].parameters[0].scheme, .uniform(bound: Float(1 / 3.0)))
        XCTAssertEqual(layers[1].parameters.map(\.scheme), [.constant(1), .constant(0), .constant(0), .constant(1)])
        XCTAssertEqual(layers[2].parameters[1].scheme, .uniform(bound: 0.5))
        XCTAssertEqual(layers[3].parameters[0].scheme, .uniform(bound: Float(1 / 5.0.squareRoot())))
    }

    func testTopDownGroups() {
        XCTAssertEqual(ParameterRandomisation.topDownGroups(count: 4, maxSteps: 10), [[3], [2], [1], [0]])
        XCTAssertEqual(ParameterRandomisation.topDownGroups(count: 5, maxSteps: 3), [[4], [3, 2], [1, 0]])
        XCTAssertEqual(ParameterRandomisation.topDownGroups(count: 0, maxSteps: 3), [])
    }

    func testReinitialisationFollowsTheSchemeAndIsSeeded() throws {
        let model = try toyModel(convChannels: 256)
        let layers = ParameterRandomisation.layers(in: model.graph)
        let fresh = ParameterRandomisation.reinitialised(layers[0], in: model.graph, seed: 42)
        guard case .float(let w)? = fresh["W1"], case .float(let bias)? = fresh["b1"] else { return XCTFail("no W1/b1") }
        let bound: Float = 1 / 3
        XCTAssertEqual(w.shape, [256, 1, 3, 3])
        XCTAssertTrue(w.scalars.allSatisfy { abs($0) <= bound } && bias.scalars.allSatisfy { abs($0) <= bound })
        // U(−b, b): mean 0, variance b²/3 (2,304 draws: standard error of the mean b/√(3·2304) ≈ 0.004).
        let n = Double(w.count)
        let mean = w.scalars.reduce(0) { $0 + Double($1) } / n
        let variance = w.scalars.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, Double(bound * bound) / 3, accuracy: 0.1 * Double(bound * bound) / 3)
        XCTAssertGreaterThan(w.scalars.map(abs).max() ?? 0, 0.95 * bound, "draws should reach near the bound")
        // BatchNorm: constants.
        let bn = ParameterRandomisation.reinitialised(layers[1], in: model.graph, seed: 42)
        for (name, value) in [("scale", Float(1)), ("shift", 0), ("mean", 0), ("var", 1)] {
            guard case .float(let t)? = bn[name] else { return XCTFail("no \(name)") }
            XCTAssertTrue(t.scalars.allSatisfy { $0 == value }, name)
        }
        // Same seed → same values; another seed → other values.
        XCTAssertEqual(ParameterRandomisation.reinitialised(layers[0], in: model.graph, seed: 42)["W1"], fresh["W1"])
        XCTAssertNotEqual(ParameterRandomisation.reinitialised(layers[0], in: model.graph, seed: 43)["W1"], fresh["W1"])
    }

    func testCascadeStepChangesExactlyTheTopLayers() throws {
        let model = try toyModel()
        let layers = ParameterRandomisation.layers(in: model.graph)
        let groups = ParameterRandomisation.topDownGroups(count: layers.count, maxSteps: 10)
        for step in groups.indices {
            let randomisedLayers = groups[0...step].flatMap { $0 }
            let copy = try ParameterRandomisation.randomised(model, layers: randomisedLayers.map { layers[$0] }, seed: 1)
            for (index, layer) in layers.enumerated() {
                for parameter in layer.parameters {
                    let changed = copy.graph.initializers[parameter.name] != model.graph.initializers[parameter.name]
                    XCTAssertEqual(changed, randomisedLayers.contains(index), "step \(step) \(parameter.name)")
                }
            }
        }
    }

    func testRandomisationTestLeavesTheOriginalModelUntouched() throws {
        let model = try toyModel()
        let before = model.graph.initializers
        let classifier = try Classifier(model: model)
        var random = TestRandom(seed: 11)
        let images = random.tensor([2, 1, 6, 6])
        let scoresBefore = try classifier.scores(images)
        let result = try ModelRandomisationTest.run(classifier, images: images, targets: [0, 1],
                                                    methods: [.saliency, .inputTimesGradient, .guidedBackprop, .gradCAM],
                                                    settings: SanityMethodSettings(), maxSteps: 10, independent: true, seed: 3)
        XCTAssertEqual(model.graph.initializers.count, before.count)
        for (name, value) in before { XCTAssertEqual(model.graph.initializers[name], value, name) }
        XCTAssertEqual(try classifier.scores(images), scoresBefore)
        // Step 0 compares the original with itself; every step and independent run is there.
        XCTAssertEqual(result.groups.count, 4)
        for curve in result.curves {
            XCTAssertEqual(curve.cascade.count, 5)
            XCTAssertEqual(curve.independent.count, 4)
            XCTAssertEqual(curve.cascadeMaps.count, 5)
            for score in curve.cascade[0] where curve.method != .gradCAM { XCTAssertEqual(score.ssim, 1, accuracy: 1e-9) }
        }
    }
}
