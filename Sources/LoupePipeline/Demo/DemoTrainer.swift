import Foundation
import LoupeData
import LoupeEngine
import LoupeONNX
import LoupeTensor

/// The optimiser the demo trainer uses.
public enum DemoOptimizer: String, Sendable, CaseIterable {
    case adam
    case sgd
}

/// What a demo training run produced.
public struct DemoTrainingResult: Sendable {
    /// The trained graph (`DemoNetwork` with learned parameters).
    public var graph: Graph
    /// Accuracy on the training images after the last epoch.
    public var trainAccuracy: Double
    /// Accuracy on held-out images generated from `seed + 1`.
    public var testAccuracy: Double
    /// Mean training loss of each epoch.
    public var epochLosses: [Double]
    /// Wall-clock seconds spent training and evaluating.
    public var seconds: Double
}

/// Trains `DemoNetwork` on `synthetic-shapes` with Loupe's own reverse mode and optimisers.
///
/// Everything is drawn from `seed`: the initial weights, the training images (dataset seed
/// `seed`), the per-epoch shuffles; held-out images use dataset seed `seed + 1`. The learning
/// rate follows a cosine decay from `learningRate` to 5% of it over all steps.
public struct DemoTrainer: Sendable {
    public var seed: UInt64
    /// Number of training images.
    public var trainCount: Int
    /// Number of held-out images.
    public var testCount: Int
    public var epochs: Int
    public var batchSize: Int
    /// Peak learning rate; nil picks the optimiser's default (Adam 0.003, SGD 0.05).
    public var learningRate: Float?
    public var optimizer: DemoOptimizer

    public init(seed: UInt64 = 1, trainCount: Int = 6000, testCount: Int = 1000, epochs: Int = 5, batchSize: Int = 32,
                learningRate: Float? = nil, optimizer: DemoOptimizer = .adam) {
        self.seed = seed
        self.trainCount = trainCount
        self.testCount = testCount
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
    }

    /// The learning rate actually used at the peak of the schedule.
    public var peakLearningRate: Float {
        learningRate ?? (optimizer == .adam ? 0.003 : 0.05)
    }

    /// Checks the options, throwing a one-line `.invalidConfig` error naming the first bad one.
    public func validate() throws {
        guard trainCount > 0 else { throw LoupeError(.invalidConfig, location: "train-count", "must be > 0, got \(trainCount)") }
        guard testCount > 0 else { throw LoupeError(.invalidConfig, location: "test-count", "must be > 0, got \(testCount)") }
        guard epochs > 0 else { throw LoupeError(.invalidConfig, location: "epochs", "must be > 0, got \(epochs)") }
        guard batchSize > 0 else { throw LoupeError(.invalidConfig, location: "batch-size", "must be > 0, got \(batchSize)") }
        let rate = peakLearningRate
        guard rate.isFinite && rate > 0 else {
            throw LoupeError(.invalidConfig, location: "learning-rate", "must be a positive number, got \(rate)")
        }
    }

    /// Trains for `epochs` epochs, logging one line per epoch, then measures held-out accuracy.
    public func train(log: (String) -> Void = { _ in }) throws -> DemoTrainingResult {
        try validate()
        let start = Date()
        let trainSet = try SyntheticShapesDataset(count: trainCount, seed: seed)
        let images = try trainSet.batch(Array(0..<trainCount))
        let graph = DemoNetwork.makeGraph(seed: seed)
        let names = DemoNetwork.parameterNames(of: graph)
        var parameters = [String: Tensor]()
        for name in names { parameters[name] = graph.initializers[name]?.asFloat }
        let optimizer: any Optimizer = self.optimizer == .adam ? Adam(learningRate: peakLearningRate)
                                                               : SGD(learningRate: peakLearningRate, momentum: 0.9)
        var training = ClassifierTraining(graph: graph, parameterNames: names, parameters: parameters, optimizer: optimizer,
                                          inputName: DemoNetwork.inputName, scoreName: DemoNetwork.logitsName)
        let stepsPerEpoch = (trainCount + batchSize - 1) / batchSize
        let totalSteps = stepsPerEpoch * epochs
        var step = 0
        var epochLosses = [Double]()
        for epoch in 0..<epochs {
            let order = BatchOrder.shuffled(seed: seed &* 1_000_003 &+ UInt64(epoch))
            var lossSum = 0.0, correct = 0
            for indices in batchPlan(count: trainCount, size: batchSize, order: order) {
                let (x, labels) = Self.gather(images.images, images.labels, indices)
                training.optimizer.learningRate = scheduledRate(step: step, of: totalSteps)
                let (loss, hits) = try training.step(images: x, labels: labels)
                guard loss.isFinite else {
                    throw LoupeError(.computation, location: "epoch \(epoch + 1)",
                                     "training diverged (loss \(loss)); lower the learning rate")
                }
                lossSum += Double(loss) * Double(indices.count)
                correct += hits
                step += 1
            }
            let meanLoss = lossSum / Double(trainCount)
            epochLosses.append(meanLoss)
            log(String(format: "epoch %d/%d  loss %.4f  train accuracy %.2f%%  (%.1f s)", epoch + 1, epochs, meanLoss,
                       100 * Double(correct) / Double(trainCount), Date().timeIntervalSince(start)))
        }
        let trained = training.currentGraph
        let model = try Model(graph: trained)
        let trainAccuracy = try Self.accuracy(model: model, dataset: trainSet)
        let testAccuracy = try Self.accuracy(model: model, dataset: try SyntheticShapesDataset(count: testCount, seed: seed &+ 1))
        let seconds = Date().timeIntervalSince(start)
        log(String(format: "final  train accuracy %.2f%%  held-out accuracy %.2f%% (%d images, seed %llu)  %.1f s",
                   100 * trainAccuracy, 100 * testAccuracy, testCount, seed &+ 1, seconds))
        return DemoTrainingResult(graph: trained, trainAccuracy: trainAccuracy, testAccuracy: testAccuracy,
                                  epochLosses: epochLosses, seconds: seconds)
    }

    /// Cosine decay from the peak rate to 5% of it.
    func scheduledRate(step: Int, of total: Int) -> Float {
        let progress = total > 1 ? Double(step) / Double(total - 1) : 0
        let floor = 0.05
        return peakLearningRate * Float(floor + (1 - floor) * 0.5 * (1 + Foundation.cos(Double.pi * progress)))
    }

    /// The fraction of `dataset` the model classifies correctly.
    ///
    /// Images are decoded 1,000 at a time (one parallel decode) and run `batchSize` at a time.
    public static func accuracy(model: Model, dataset: any Dataset, batchSize: Int = 32) throws -> Double {
        var correct = 0
        for chunk in batchPlan(count: dataset.count, size: 1000, order: .sequential) {
            let decoded = try dataset.batch(chunk)
            for rows in batchPlan(count: chunk.count, size: batchSize, order: .sequential) {
                let (images, labels) = gather(decoded.images, decoded.labels, rows)
                let logits = try model.run(images).firstOutput(of: model)
                correct += zip(ClassifierTraining.argmaxRows(logits), labels).filter { $0 == $1 }.count
            }
        }
        return Double(correct) / Double(max(dataset.count, 1))
    }

    /// The rows of `all` at `indices` and their labels, as a new batch.
    static func gather(_ all: Tensor, _ labels: [Int], _ indices: [Int]) -> (Tensor, [Int]) {
        (ClassifierTraining.gatherRows(all, indices), indices.map { labels[$0] })
    }
}
