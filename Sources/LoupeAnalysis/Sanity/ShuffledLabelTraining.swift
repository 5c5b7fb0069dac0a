import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor

/// Retrains a model's architecture from a fresh initialisation on randomly permuted labels
/// (the data randomisation test of Adebayo et al. 2018), within a time budget.
///
/// Trainable parameters are the float initializers used as weights or biases of Conv, ConvTranspose,
/// Gemm and MatMul nodes and as scale/bias of BatchNormalization. Fresh values: weights He-normal
/// (`std = √(2/fan_in)`), biases 0, BatchNorm scale 1 and bias 0; BatchNorm running statistics are kept
/// (the engine trains in inference mode) and Dropout is off. Training uses Adam on the softmax
/// cross-entropy of the class scores, with a constant learning rate.
public struct ShuffledLabelTraining: Sendable {
    public var seed: UInt64 = 0
    /// Wall-clock budget in seconds; training stops at the first step that would start after it.
    public var budgetSeconds: Double = 60
    /// Upper bound on optimiser steps (nil: none); reached before the budget, it makes the run reproducible.
    public var maxSteps: Int?
    /// Upper bound on epochs even when time remains.
    public var maxEpochs = 50
    public var batchSize = 32
    public var learningRate: Float = 0.003
    /// Models with more trainable parameters than this are not retrained.
    public var parameterCap = 1_000_000
    /// Images used to measure the loss before and after training (the first ones of the training set).
    public var evaluationImages = 256

    public init() {}

    /// What the retraining did.
    public struct Outcome: Sendable {
        /// The retrained model.
        public var model: Model
        /// The permutation applied: image `i` was trained with label `labels[permutation[i]]`.
        public var permutation: [Int]
        public var shuffledLabels: [Int]
        /// Mean cross-entropy on the shuffled labels of the evaluation images before and after training.
        public var initialLoss: Double
        public var finalLoss: Double
        /// Accuracy on the shuffled labels of the evaluation images after training.
        public var finalShuffledAccuracy: Double
        public var steps: Int
        /// Epochs completed, fractional (steps · batch / images).
        public var epochs: Double
        public var stoppedByBudget: Bool
        public var parameters: Int
        public var seconds: Double
    }

    /// Names of the trainable initializers and their total element count.
    public static func trainableParameters(of graph: Graph) -> (names: [String], count: Int) {
        var names = [String]()
        var seen = Set<String>()
        for node in graph.nodes {
            let slots: [Int]
            switch node.opType {
            case "Conv", "ConvTranspose", "Gemm": slots = [1, 2]
            case "MatMul": slots = [0, 1]
            case "BatchNormalization": slots = [1, 2]
            default: slots = []
            }
            for slot in slots {
                guard let name = node.input(slot), case .float = graph.initializers[name], seen.insert(name).inserted else { continue }
                names.append(name)
            }
        }
        let count = names.reduce(0) { $0 + (graph.initializers[$1]?.shape.reduce(1, *) ?? 0) }
        return (names, count)
    }

    /// Fresh values for the trainable initializers, drawn from `seed` in graph order.
    public static func freshParameters(of graph: Graph, names: [String], seed: UInt64) -> [String: Tensor] {
        var generator = SeededGenerator(seed: seed)
        var roles = [String: (op: String, slot: Int, transB: Bool)]()
        for node in graph.nodes {
            for (slot, input) in node.inputs.enumerated() where roles[input] == nil {
                roles[input] = (node.opType, slot, ((try? node.int("transB", default: 0)) ?? 0) == 1)
            }
        }
        var fresh = [String: Tensor]()
        for name in names {
            guard let shape = graph.initializers[name]?.shape, let role = roles[name] else { continue }
            if role.op == "BatchNormalization" {
                fresh[name] = Tensor(shape: shape, repeating: role.slot == 1 ? 1 : 0)
            } else if shape.count >= 2 {
                let fanIn: Int
                switch role.op {
                case "Gemm": fanIn = role.transB ? shape[1] : shape[0]
                case "MatMul": fanIn = shape[shape.count - 2]
                case "ConvTranspose": fanIn = shape[0] * shape.dropFirst(2).reduce(1, *)
                default: fanIn = shape.dropFirst().reduce(1, *)
                }
                fresh[name] = generator.normalTensor(shape: shape, standardDeviation: Float((2 / Double(max(fanIn, 1))).squareRoot()))
            } else {
                fresh[name] = Tensor(shape: shape)
            }
        }
        return fresh
    }

    /// A seeded permutation of `0..<count` (Fisher–Yates).
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: seed)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }

    /// Retrains `classifier`'s architecture on `images` with permuted `labels`.
    public func train(_ classifier: Classifier, images: Tensor, labels: [Int], log: (String) -> Void = { _ in }) throws -> Outcome {
        let started = Date()
        let graph = classifier.model.graph
        let (names, count) = Self.trainableParameters(of: graph)
        guard !names.isEmpty else { throw LoupeError(.invalidModel, location: "graph", "no trainable weights found") }
        guard count <= parameterCap else {
            throw LoupeError(.invalidConfig, location: "parameter_cap", "the model has \(count) trainable parameters, more than the cap of \(parameterCap)")
        }
        let n = labels.count
        guard n > 0, images.shape.first == n else { throw LoupeError(.invalidInput, location: "training data", "no images or label count mismatch") }
        let permutation = Self.permutation(count: n, seed: seed)
        let shuffled = permutation.map { labels[$0] }
        var training = ClassifierTraining(graph: graph, parameterNames: names,
                                          parameters: Self.freshParameters(of: graph, names: names, seed: seed &+ 0x5EED),
                                          optimizer: Adam(learningRate: learningRate),
                                          inputName: classifier.inputName, scoreName: classifier.scoreName)
        let evaluation = Array(0..<min(n, max(1, evaluationImages)))
        let initial = try lossAndAccuracy(try training.model(), images: images, labels: shuffled, rows: evaluation,
                                          inputName: classifier.inputName, scoreName: classifier.scoreName)
        var steps = 0
        var stopped = false
        trainingLoop: for epoch in 0..<max(1, maxEpochs) {
            var order = Self.permutation(count: n, seed: seed &* 7919 &+ UInt64(epoch) &+ 1)
            if epoch == 0 { order = Self.permutation(count: n, seed: seed &+ 17) }
            for start in stride(from: 0, to: n, by: batchSize) {
                if let maxSteps, steps >= maxSteps { break trainingLoop }
                if Date().timeIntervalSince(started) >= budgetSeconds { stopped = true; break trainingLoop }
                let rows = Array(order[start..<min(n, start + batchSize)])
                let (loss, _) = try training.step(images: ClassifierTraining.gatherRows(images, rows), labels: rows.map { shuffled[$0] })
                guard loss.isFinite else { throw LoupeError(.computation, location: "step \(steps + 1)", "training diverged (loss \(loss))") }
                steps += 1
            }
            log(String(format: "shuffled-label training: epoch %d done, %.1f s", epoch + 1, Date().timeIntervalSince(started)))
        }
        let trained = try training.model()
        let final = try lossAndAccuracy(trained, images: images, labels: shuffled, rows: evaluation,
                                        inputName: classifier.inputName, scoreName: classifier.scoreName)
        return Outcome(model: trained, permutation: permutation, shuffledLabels: shuffled,
                       initialLoss: initial.loss, finalLoss: final.loss, finalShuffledAccuracy: final.accuracy, steps: steps,
                       epochs: Double(steps * batchSize) / Double(n), stoppedByBudget: stopped, parameters: count,
                       seconds: Date().timeIntervalSince(started))
    }

    /// Mean cross-entropy and accuracy on `rows` (in batches).
    func lossAndAccuracy(_ model: Model, images: Tensor, labels: [Int], rows: [Int],
                         inputName: String, scoreName: String) throws -> (loss: Double, accuracy: Double) {
        var total = 0.0, correct = 0
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let part = Array(rows[start..<min(rows.count, start + batchSize)])
            let result = try model.run([inputName: ClassifierTraining.gatherRows(images, part)], taps: [scoreName])
            guard let logits = (result.taps[scoreName] ?? result.outputs[scoreName])?.asFloat, logits.rank == 2 else {
                throw LoupeError(.computation, location: scoreName, "no class scores")
            }
            let targets = part.map { labels[$0] }
            total += Double(softmaxCrossEntropy(logits: logits, labels: targets).loss) * Double(part.count)
            let k = logits.shape[1]
            for (row, target) in targets.enumerated() {
                let scores = logits.scalars[(row * k)..<((row + 1) * k)]
                if let top = scores.indices.max(by: { scores[$0] < scores[$1] }), top - row * k == target { correct += 1 }
            }
        }
        return (total / Double(max(rows.count, 1)), Double(correct) / Double(max(rows.count, 1)))
    }
}
