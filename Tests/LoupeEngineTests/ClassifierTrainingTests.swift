import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The training helper: one step against a hand-made SGD update, and its row helpers.
final class ClassifierTrainingTests: XCTestCase {
    /// x [N, 4] → Gemm(4 → 3, transB) = logits.
    func linearGraph() throws -> Graph {
        var random = TestRandom(seed: 21)
        var b = GraphBuilder()
        b.parameter("W", random.tensor([3, 4]))
        b.parameter("bias", random.tensor([3]))
        let logits = b.add("Gemm", ["x", "W", "bias"], ["transB": .int(1)], output: "logits")
        return try b.model(sampleShape: [4], output: logits).graph
    }

    /// The trainable values of `linearGraph`.
    func initialValues(of graph: Graph) throws -> [String: Tensor] {
        ["W": try XCTUnwrap(graph.initializers["W"]).asFloat, "bias": try XCTUnwrap(graph.initializers["bias"]).asFloat]
    }

    func testOneStepIsPlainGradientDescentOnTheCrossEntropy() throws {
        let graph = try linearGraph()
        let parameters = try initialValues(of: graph)
        var training = ClassifierTraining(graph: graph, parameterNames: ["W", "bias"], parameters: parameters,
                                          optimizer: SGD(learningRate: 0.5, momentum: 0), inputName: "x", scoreName: "logits")
        var random = TestRandom(seed: 4)
        let images = random.tensor([5, 4])
        let labels = [0, 2, 1, 1, 0]
        // The expected update, from the objective written out: logits = x Wᵀ + b, mean softmax cross-entropy.
        let w = try XCTUnwrap(parameters["W"]).scalars, bias = try XCTUnwrap(parameters["bias"]).scalars
        var gradW = [Float](repeating: 0, count: 12), gradB = [Float](repeating: 0, count: 3)
        var loss = 0.0, correct = 0
        for row in 0..<5 {
            let x = Array(images.scalars[(row * 4)..<(row * 4 + 4)])
            let z = (0..<3).map { k in bias[k] + (0..<4).reduce(Float(0)) { $0 + x[$1] * w[k * 4 + $1] } }
            let top = z.max() ?? 0
            let total = z.reduce(Float(0)) { $0 + exp($1 - top) }
            loss += Double(log(total) + top - z[labels[row]])
            if z.firstIndex(of: top) == labels[row] { correct += 1 }
            for k in 0..<3 {
                let d = (exp(z[k] - top) / total - (k == labels[row] ? 1 : 0)) / 5
                gradB[k] += d
                for j in 0..<4 { gradW[k * 4 + j] += d * x[j] }
            }
        }
        let step = try training.step(images: images, labels: labels)
        XCTAssertEqual(Double(step.loss), loss / 5, accuracy: 1e-5)
        XCTAssertEqual(step.correct, correct)
        let trainedW = try XCTUnwrap(training.parameters["W"])
        assertClose(trainedW, Tensor(shape: [3, 4], scalars: zip(w, gradW).map { $0 - 0.5 * $1 }), relativeTo: 1e-5)
        assertClose(try XCTUnwrap(training.parameters["bias"]), Tensor(shape: [3], scalars: zip(bias, gradB).map { $0 - 0.5 * $1 }), relativeTo: 1e-5)
        // The model and the graph carry the updated values; the architecture is untouched.
        XCTAssertEqual(training.currentGraph.initializers["W"], .float(trainedW))
        XCTAssertEqual(training.graph.initializers["W"], graph.initializers["W"])
        // The learning rate can change between steps.
        training.optimizer.learningRate = 0.1
        XCTAssertEqual(training.optimizer.learningRate, 0.1)
    }

    func testANonFiniteLossLeavesTheParametersAlone() throws {
        let graph = try linearGraph()
        let parameters = try initialValues(of: graph)
        var training = ClassifierTraining(graph: graph, parameterNames: ["W", "bias"], parameters: parameters,
                                          optimizer: Adam(), inputName: "x", scoreName: "logits")
        let step = try training.step(images: Tensor(shape: [1, 4], scalars: [.nan, 0, 0, 0]), labels: [0])
        XCTAssertFalse(step.loss.isFinite)
        XCTAssertEqual(training.parameters, parameters)
    }

    func testGatherRowsAndArgmaxRows() {
        let all = Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(ClassifierTraining.gatherRows(all, [2, 0, 2]), Tensor(shape: [3, 2], scalars: [4, 5, 0, 1, 4, 5]))
        XCTAssertEqual(ClassifierTraining.argmaxRows(Tensor(shape: [3, 3], scalars: [1, 3, 3, 0, 0, 0, -1, -2, 5])), [1, 0, 2])
        XCTAssertEqual(ClassifierTraining.argmaxRows(Tensor(shape: [4], scalars: [1, 2, 3, 4])), [])
    }
}
