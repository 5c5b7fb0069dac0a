import LoupeEngine
import LoupeONNX
import LoupeTensor

/// How the class to explain is chosen for each image.
public enum TargetChoice: Sendable, Equatable {
    /// The model's predicted class (arg-max of the score), the default.
    case predicted
    /// The true labels, one per image.
    case labels([Int])
    /// One fixed class index for every image.
    case fixed(Int)
}

/// A classifier viewed for attribution: the model, its input, and the pre-softmax score value.
public struct Classifier: @unchecked Sendable {
    /// The model being explained.
    public let model: Model
    /// The graph input fed with images.
    public let inputName: String
    /// The value holding the class scores: the graph output, or the logits feeding a final Softmax.
    public let scoreName: String

    /// Wraps a model; if its output comes from a Softmax/LogSoftmax node, scores are that node's input.
    public init(model: Model) throws {
        self.model = model
        inputName = model.primaryInputName
        guard let output = model.graph.outputs.first?.name else {
            throw LoupeError(.invalidModel, file: model.graph.sourcePath, location: "graph", "the graph has no outputs")
        }
        if let producer = model.graph.nodes.last(where: { $0.outputs.contains(output) }),
           producer.opType == "Softmax" || producer.opType == "LogSoftmax", let logits = producer.input(0) {
            scoreName = logits
        } else {
            scoreName = output
        }
    }

    /// Class scores (logits) for a batch.
    public func scores(_ images: Tensor) throws -> Tensor {
        let result = try model.run([inputName: images], taps: [scoreName])
        guard let value = result.taps[scoreName] ?? result.outputs[scoreName] else {
            throw LoupeError(.computation, location: scoreName, "score value was not produced")
        }
        let scores = value.asFloat
        guard scores.rank == 2 else {
            throw LoupeError(.invalidModel, file: model.graph.sourcePath, location: scoreName,
                             "expected class scores of shape N x classes, got \(scores.shape)")
        }
        return scores
    }

    /// Resolves the target class of every image, checking ranges.
    public func targets(_ choice: TargetChoice, scores: Tensor) throws -> [Int] {
        let (rows, classes) = (scores.shape[0], scores.shape[1])
        switch choice {
        case .predicted:
            return (0..<rows).map { row in argmax(scores.scalars[(row * classes)..<((row + 1) * classes)]) }
        case .fixed(let index):
            guard (0..<classes).contains(index) else {
                throw LoupeError(.invalidConfig, location: "--target", "class \(index) is out of range 0...\(classes - 1)")
            }
            return [Int](repeating: index, count: rows)
        case .labels(let labels):
            guard labels.count == rows else {
                throw LoupeError(.invalidInput, location: "labels", "expected \(rows) labels, got \(labels.count)")
            }
            for (row, label) in labels.enumerated() where !(0..<classes).contains(label) {
                throw LoupeError(.invalidInput, location: "labels[\(row)]", "class \(label) is out of range 0...\(classes - 1)")
            }
            return labels
        }
    }

    /// Rows of a batch worth a worker of their own in `gradients`.
    static let minimumRowsPerWorker = 2

    /// Gradient of the summed target scores with respect to `wrt` values (default: the input).
    ///
    /// A batch is split into one part per worker, each running the whole forward and reverse pass on
    /// its rows alone (single-threaded inside, `Parallel.mapParts`): images do not interact, and one
    /// synchronisation per batch beats one per operator. The parts are joined along the batch axis;
    /// a graph whose requested values are not batch-major is run whole instead, and so is a request
    /// for parameter gradients (sums over the batch, not rows). A batch too large for `MemoryBudget`
    /// is first cut into consecutive passes (`gradientsWithinBudget`).
    public func gradients(_ images: Tensor, targets: [Int], wrt: Set<String>? = nil, taps: Set<String> = [],
                          reluRule: ReluRule = .standard) throws -> GradientResult {
        let rows = images.shape.first ?? 0
        let parameters = (wrt ?? []).contains { model.graph.initializers[$0] != nil }
        if !parameters, let split = try gradientsWithinBudget(images, targets: targets, wrt: wrt, taps: taps, reluRule: reluRule) {
            return split
        }
        guard !parameters, images.rank >= 1, targets.count == rows, Parallel.workerCount > 1,
              rows >= 2 * Self.minimumRowsPerWorker else {
            return try wholeBatchGradients(images, targets: targets, wrt: wrt, taps: taps, reluRule: reluRule)
        }
        let parts = try Parallel.mapParts(rows, minimumPart: Self.minimumRowsPerWorker) { range in
            try wholeBatchGradients(images.slice(batch: range), targets: Array(targets[range]), wrt: wrt, taps: taps,
                                    reluRule: reluRule)
        }
        if let joined = GradientResult(joining: parts) { return joined }
        return try wholeBatchGradients(images, targets: targets, wrt: wrt, taps: taps, reluRule: reluRule)
    }

    /// `gradients` of one batch in one pass.
    func wholeBatchGradients(_ images: Tensor, targets: [Int], wrt: Set<String>?, taps: Set<String>,
                             reluRule: ReluRule) throws -> GradientResult {
        let names = wrt ?? [inputName]
        return try model.gradients([inputName: images], target: scoreName, seed: { scores in
            var seed = Tensor(shape: scores.shape)
            guard scores.rank == 2, scores.shape[0] == targets.count else {
                throw LoupeError(.computation, location: scoreName, "scores of shape \(scores.shape) for \(targets.count) targets")
            }
            for (row, target) in targets.enumerated() where target < scores.shape[1] {
                seed.scalars[row * scores.shape[1] + target] = 1
            }
            return seed
        }, wrt: names, taps: taps, reluRule: reluRule)
    }

    /// The target score of each row.
    public static func targetScores(_ scores: Tensor, targets: [Int]) -> [Float] {
        targets.enumerated().map { row, target in scores.scalars[row * scores.shape[1] + target] }
    }
}

/// Index of the first maximum.
func argmax<C: Collection>(_ values: C) -> Int where C.Element == Float, C.Index == Int {
    var best = values.startIndex
    for i in values.indices where values[i] > values[best] { best = i }
    return best - values.startIndex
}

extension GradientResult {
    /// The results of consecutive row ranges of one batch joined along the batch axis, or nil when a
    /// value's first axis does not follow the rows (a value shared by the whole batch).
    init?(joining parts: [GradientResult]) {
        guard let first = parts.first else { return nil }
        let rows = parts.map { $0.target.shape.first ?? 0 }
        func join(_ tensors: [Tensor]) -> Tensor? {
            guard tensors.count == rows.count, zip(tensors, rows).allSatisfy({ $0.rank >= 1 && $0.shape[0] == $1 }) else { return nil }
            return Tensor.stacking(batches: tensors)
        }
        func joinValues(_ key: KeyPath<GradientResult, [String: TensorValue]>) -> [String: TensorValue]? {
            var joined = [String: TensorValue]()
            for name in first[keyPath: key].keys {
                let values = parts.compactMap { $0[keyPath: key][name] }
                guard values.count == parts.count, !values.contains(where: \.isInt),
                      let tensor = join(values.map(\.asFloat)) else { return nil }
                joined[name] = .float(tensor)
            }
            return joined
        }
        guard let target = join(parts.map(\.target)),
              let outputs = joinValues(\.forward.outputs), let taps = joinValues(\.forward.taps) else { return nil }
        var gradients = [String: Tensor]()
        for name in first.gradients.keys {
            guard let tensor = join(parts.compactMap { $0.gradients[name] }) else { return nil }
            gradients[name] = tensor
        }
        self.init(forward: ForwardResult(outputs: outputs, taps: taps), target: target, gradients: gradients)
    }
}
