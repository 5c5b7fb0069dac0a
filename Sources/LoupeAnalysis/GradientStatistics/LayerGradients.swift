import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor

/// One parametrised layer (a Conv, Gemm or MatMul node) whose gradients are measured.
public struct GradientLayer: Sendable, Equatable {
    /// The node's name (or its output's name when the node is unnamed).
    public var name: String
    /// `Conv`, `Gemm` or `MatMul`.
    public var opType: String
    /// The node's float initializer inputs (weights, biases), in input order.
    public var parameters: [String]
    /// The node's first output (the layer's activation before any following non-linearity).
    public var activation: String
    /// Number of scalars in the parameters.
    public var parameterCount: Int

    public init(name: String, opType: String, parameters: [String], activation: String, parameterCount: Int) {
        self.name = name; self.opType = opType; self.parameters = parameters
        self.activation = activation; self.parameterCount = parameterCount
    }
}

/// Gradient norms of one layer, one value per batch, with their mean and spread.
public struct LayerGradientNorms: Sendable {
    /// The layer measured.
    public var layer: GradientLayer
    /// ‖∂L/∂θ‖₂ over all the layer's parameters, per batch.
    public var parameterNorms: [Double]
    /// ‖∂L/∂a‖₂ over the whole batch's activation tensor, per batch.
    public var activationNorms: [Double]

    public init(layer: GradientLayer, parameterNorms: [Double], activationNorms: [Double]) {
        self.layer = layer; self.parameterNorms = parameterNorms; self.activationNorms = activationNorms
    }

    /// Mean of the per-batch parameter gradient norms.
    public var parameterMean: Double { LayerGradientStatistics.mean(parameterNorms) }
    /// Sample standard deviation (divisor n − 1; 0 for one batch) of the parameter gradient norms.
    public var parameterSpread: Double { LayerGradientStatistics.standardDeviation(parameterNorms) }
    /// Mean of the per-batch activation gradient norms.
    public var activationMean: Double { LayerGradientStatistics.mean(activationNorms) }
    /// Sample standard deviation of the activation gradient norms.
    public var activationSpread: Double { LayerGradientStatistics.standardDeviation(activationNorms) }
}

/// What the gradient flow looks like from the first to the last layer.
public enum GradientFlow: String, Sendable {
    /// first/last parameter gradient norm below `vanishingRatio`.
    case vanishing
    /// first/last parameter gradient norm above `explodingRatio`.
    case exploding
    /// Neither.
    case healthy
    /// Fewer than two layers, or a zero last-layer norm.
    case undetermined
}

/// The result of a pass over the data: per-layer norms and the loss per batch.
public struct LayerGradientReport: Sendable {
    public var layers: [LayerGradientNorms]
    /// Mean cross-entropy per batch.
    public var losses: [Double]
    /// Images per batch.
    public var batchSizes: [Int]
    /// Parameters the engine could not differentiate (folded into constants), skipped.
    public var skippedParameters: [String]

    public init(layers: [LayerGradientNorms], losses: [Double], batchSizes: [Int], skippedParameters: [String]) {
        self.layers = layers; self.losses = losses; self.batchSizes = batchSizes; self.skippedParameters = skippedParameters
    }

    /// Mean first-layer over mean last-layer parameter gradient norm (nil when undefined).
    public var firstToLastRatio: Double? {
        guard layers.count >= 2, let first = layers.first?.parameterMean, let last = layers.last?.parameterMean,
              last > 0, first.isFinite, last.isFinite else { return nil }
        return first / last
    }

    /// Classifies `firstToLastRatio` against the thresholds.
    public var flow: GradientFlow {
        guard let ratio = firstToLastRatio else { return .undetermined }
        if ratio < LayerGradientStatistics.vanishingRatio { return .vanishing }
        if ratio > LayerGradientStatistics.explodingRatio { return .exploding }
        return .healthy
    }
}

/// Per-layer norms of the cross-entropy gradient with respect to parameters and activations.
///
/// The loss is the batch-mean softmax cross-entropy of the logits (`softmaxCrossEntropy`), so
/// the seed on the logits is `(softmax − onehot)/N`. Norms are plain L2 norms of the batch's
/// gradient; activation norms therefore shrink like 1/√N with the batch size N (keep N fixed when
/// comparing runs).
public enum LayerGradientStatistics {
    /// Below this first/last ratio gradients are called vanishing.
    public static let vanishingRatio = 1e-3
    /// Above this first/last ratio gradients are called exploding.
    public static let explodingRatio = 1e3
    /// Node types whose float initializers count as layer parameters.
    public static let layerTypes: Set<String> = ["Conv", "Gemm", "MatMul"]

    /// The Conv/Gemm/MatMul nodes with at least one float initializer input, in graph order.
    public static func layers(of model: Model) -> [GradientLayer] {
        let graph = model.graph
        return graph.nodes.compactMap { node in
            guard layerTypes.contains(node.opType), let output = node.outputs.first, !output.isEmpty else { return nil }
            var parameters = [String](), count = 0
            for input in node.inputs where !input.isEmpty {
                if case .float(let tensor)? = graph.initializers[input], !parameters.contains(input) {
                    parameters.append(input)
                    count += tensor.count
                }
            }
            guard !parameters.isEmpty else { return nil }
            return GradientLayer(name: node.name.isEmpty ? output : node.name, opType: node.opType,
                                 parameters: parameters, activation: output, parameterCount: count)
        }
    }

    /// Runs forward and reverse on every batch `next()` returns (nil ends) and collects the norms.
    public static func measure(_ classifier: Classifier, layers: [GradientLayer],
                               next: () throws -> (images: Tensor, labels: [Int])?) throws -> LayerGradientReport {
        var norms = layers.map { LayerGradientNorms(layer: $0, parameterNorms: [], activationNorms: []) }
        var losses = [Double](), sizes = [Int]()
        var usable: Set<String>?
        var skipped = [String]()
        while let batch = try next() {
            guard batch.images.rank >= 1, batch.images.shape[0] == batch.labels.count, !batch.labels.isEmpty else {
                throw LoupeError(.invalidInput, location: "gradient statistics",
                                 "batch of shape \(batch.images.shape) with \(batch.labels.count) labels")
            }
            if usable == nil {
                let (names, dropped) = try differentiableNames(classifier, layers: layers, images: batch.images, labels: batch.labels)
                usable = names
                skipped = dropped
            }
            let wrt = usable ?? []
            var loss: Float = 0
            let result = try classifier.model.gradients([classifier.inputName: batch.images], target: classifier.scoreName,
                                                        seed: { logits in
                let (value, gradient) = try crossEntropySeed(logits, labels: batch.labels)
                loss = value
                return gradient
            }, wrt: wrt)
            for index in norms.indices {
                let layer = norms[index].layer
                var squares = 0.0
                for name in layer.parameters { squares += sumOfSquares(result.gradients[name]) }
                norms[index].parameterNorms.append(squares.squareRoot())
                norms[index].activationNorms.append(sumOfSquares(result.gradients[layer.activation]).squareRoot())
            }
            losses.append(Double(loss))
            sizes.append(batch.labels.count)
        }
        return LayerGradientReport(layers: norms, losses: losses, batchSizes: sizes, skippedParameters: skipped)
    }

    /// The loss and its logits gradient, checking the logits' shape against the labels.
    static func crossEntropySeed(_ logits: Tensor, labels: [Int]) throws -> (Float, Tensor) {
        guard logits.rank == 2, logits.shape[0] == labels.count, logits.shape[1] > 0 else {
            throw LoupeError(.computation, location: "gradient statistics",
                             "logits of shape \(logits.shape) for \(labels.count) labels")
        }
        let (loss, gradient) = softmaxCrossEntropy(logits: logits, labels: labels)
        return (loss, gradient)
    }

    /// The parameter and activation names the engine can differentiate; the others are reported.
    static func differentiableNames(_ classifier: Classifier, layers: [GradientLayer], images: Tensor,
                                    labels: [Int]) throws -> (Set<String>, [String]) {
        let all = Set(layers.flatMap { $0.parameters + [$0.activation] })
        let probe = images.slice(batch: 0..<1), probeLabels = Array(labels.prefix(1))
        func works(_ names: Set<String>) -> Bool {
            (try? classifier.model.gradients([classifier.inputName: probe], target: classifier.scoreName,
                                             seed: { try crossEntropySeed($0, labels: probeLabels).1 }, wrt: names)) != nil
        }
        if works(all) { return (all, []) }
        var kept = Set<String>(), dropped = [String]()
        for name in all.sorted() {
            if works([name]) { kept.insert(name) } else { dropped.append(name) }
        }
        return (kept, dropped)
    }

    /// Σ x² in double precision (0 for a missing tensor).
    static func sumOfSquares(_ tensor: Tensor?) -> Double {
        guard let tensor else { return 0 }
        return tensor.scalars.withUnsafeBufferPointer { buffer in
            var total = 0.0
            for v in buffer { total += Double(v) * Double(v) }
            return total
        }
    }

    /// Arithmetic mean (0 for no values).
    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// Sample standard deviation, divisor n − 1 (0 for fewer than two values).
    public static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }
}
