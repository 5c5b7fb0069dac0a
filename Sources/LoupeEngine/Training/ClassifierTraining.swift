import LoupeONNX
import LoupeTensor

/// Trains some float initializers of a classifier graph on the softmax cross-entropy of its class scores.
///
/// It holds the parameters being learned and the optimiser. Each `step` installs the current
/// parameters in the graph, runs forward and reverse mode on one batch and lets the optimiser
/// update the parameters. The demo trainer and the shuffled-label retraining of the data
/// randomisation test both train through it.
public struct ClassifierTraining {
    /// The architecture; the initializers named in `parameterNames` are replaced by `parameters`.
    public let graph: Graph
    /// The trained initializers, in graph order.
    public let parameterNames: [String]
    /// The current values of the trained initializers.
    public var parameters: [String: Tensor]
    /// Updates `parameters` from their gradients; its learning rate may change between steps.
    public var optimizer: any Optimizer
    /// The graph input the images feed.
    public let inputName: String
    /// The class scores (logits, `[N, K]`) the loss reads.
    public let scoreName: String

    public init(graph: Graph, parameterNames: [String], parameters: [String: Tensor], optimizer: any Optimizer,
                inputName: String, scoreName: String) {
        self.graph = graph
        self.parameterNames = parameterNames
        self.parameters = parameters
        self.optimizer = optimizer
        self.inputName = inputName
        self.scoreName = scoreName
    }

    /// The graph with the current parameter values installed.
    public var currentGraph: Graph {
        var current = graph
        for (name, value) in parameters { current.initializers[name] = .float(value) }
        return current
    }

    /// A model running the current parameters.
    public func model() throws -> Model {
        try Model(graph: currentGraph)
    }

    /// One optimiser step on a batch.
    ///
    /// Returns the batch's mean loss before the step and how many rows have their label as the
    /// top score. A non-finite loss leaves the parameters unchanged: the caller reports it.
    public mutating func step(images: Tensor, labels: [Int]) throws -> (loss: Float, correct: Int) {
        let model = try model()
        var loss: Float = .nan
        var correct = 0
        let result = try model.gradients([inputName: images], target: scoreName, seed: { logits in
            let objective = softmaxCrossEntropy(logits: logits, labels: labels)
            loss = objective.loss
            correct = zip(Self.argmaxRows(logits), labels).filter { $0 == $1 }.count
            return objective.gradient
        }, wrt: Set(parameterNames))
        guard loss.isFinite else { return (loss, correct) }
        optimizer.step(parameters: &parameters, gradients: result.gradients)
        return (loss, correct)
    }

    /// The rows of `all` at `indices`, as a new batch.
    public static func gatherRows(_ all: Tensor, _ indices: [Int]) -> Tensor {
        let rowSize = all.shape.dropFirst().reduce(1, *)
        var scalars = [Float](repeating: 0, count: rowSize * indices.count)
        all.scalars.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    for k in 0..<rowSize { target[row * rowSize + k] = source[index * rowSize + k] }
                }
            }
        }
        return Tensor(shape: [indices.count] + Array(all.shape.dropFirst()), scalars: scalars)
    }

    /// The index of the largest value of each row of an `[N, K]` tensor (the first on ties).
    public static func argmaxRows(_ logits: Tensor) -> [Int] {
        guard logits.shape.count == 2 else { return [] }
        let (rows, columns) = (logits.shape[0], logits.shape[1])
        return (0..<rows).map { row in
            var best = 0
            for c in 1..<max(columns, 1) where logits.scalars[row * columns + c] > logits.scalars[row * columns + best] { best = c }
            return best
        }
    }
}
