import Foundation
import LoupeONNX
import LoupeTensor

/// Prints the training-mode BatchNormalization warning once per process.
private final class TrainingModeWarning: @unchecked Sendable {
    private let lock = NSLock()
    private var printed = false

    func emit(_ node: Node) {
        lock.lock()
        defer { lock.unlock() }
        guard !printed else { return }
        printed = true
        let text = "warning: node '\(node.name)' (BatchNormalization) has training_mode=1: normalising with each batch's own statistics, so results depend on batch composition\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}

private let trainingModeWarning = TrainingModeWarning()

/// BatchNormalization over channel axis 1: `(x - mean) / sqrt(var + epsilon) * scale + B`.
///
/// Inference (default) uses the running statistics as one fused per-channel scale+shift pass.
/// `training_mode = 1` (opset >= 14) uses the batch's population statistics, warns once on stderr,
/// and produces the updated running mean/var outputs when requested. Backward gives X, scale and
/// B gradients (mean/var are constants; in training mode the batch statistics are differentiated through).
public struct BatchNormalizationOperator: Operator {
    public static let opType = "BatchNormalization"
    let node: Node
    let epsilon: Float
    let momentum: Float
    let training: Bool

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "X")
        guard x.shape.count >= 2 else { throw node.error("input X must have rank >= 2 ([N, C, ...]), got shape \(x.shape)") }
        guard x.element == .float else { throw node.error("expects a floating-point input X") }
        let channels = x.shape[1]
        for (index, name) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
            let facts = try node.facts(inputs, index, name)
            guard facts.shape.reduce(1, *) == channels, facts.shape.count <= 1 else {
                throw node.error("input '\(name)' must have shape [\(channels)] to match X's channels, got \(facts.shape)")
            }
        }
        var facts = [ValueFacts(shape: x.shape, element: .float)]
        for _ in 1..<max(1, node.outputs.count) { facts.append(ValueFacts(shape: [channels], element: .float)) }
        return facts
    }

    /// The five inputs as float tensors, checked against X's channel count.
    func operands(_ inputs: [TensorValue?]) throws -> (x: Tensor, params: [[Float]]) {
        let x = try node.float(inputs, 0, "X")
        guard x.rank >= 2 else { throw node.error("input X must have rank >= 2 ([N, C, ...]), got shape \(x.shape)") }
        var params = [[Float]]()
        for (index, name) in [(1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")] {
            let p = try node.value(inputs, index, name).asFloat
            guard p.count == x.shape[1] else {
                throw node.error("input '\(name)' has \(p.count) values for \(x.shape[1]) channels")
            }
            params.append(p.scalars)
        }
        return (x, params)
    }

    /// The statistics used for normalising: running ones in inference, the batch's in training.
    func statistics(_ x: Tensor, _ params: [[Float]]) -> (mean: [Float], variance: [Float]) {
        training ? NormalizationKernels.channelStatistics(x) : (params[2], params[3])
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let (x, params) = try operands(inputs)
        let (mean, variance) = statistics(x, params)
        let channels = x.shape[1]
        var k = [Float](repeating: 0, count: channels), shift = k
        for c in 0..<channels {
            k[c] = params[0][c] / (variance[c] + epsilon).squareRoot()
            shift[c] = params[1][c] - mean[c] * k[c]
        }
        var outputs: [TensorValue] = [.float(NormalizationKernels.channelAffine(x, scale: k, shift: shift))]
        for index in 1..<max(1, node.outputs.count) {
            let values: [Float]
            switch (index, training) {
            case (1, true): values = (0..<channels).map { params[2][$0] * momentum + mean[$0] * (1 - momentum) }
            case (2, true): values = (0..<channels).map { params[3][$0] * momentum + variance[$0] * (1 - momentum) }
            case (1, false): values = params[2]
            case (2, false): values = params[3]
            case (3, _): values = mean
            default: values = variance
            }
            outputs.append(.float(Tensor(shape: [channels], scalars: values)))
        }
        return outputs
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard let wants = context.wantedInputs(3) else { return context.noGradients }
        var grads = context.noGradients
        let (x, params) = try operands(context.inputs)
        let (mean, variance) = statistics(x, params)
        let channels = x.shape[1]
        let g = context.gradient(0, shape: x.shape)
        let invStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let (sums, weighted) = NormalizationKernels.channelSums(g, x, center: mean)
        let k = (0..<channels).map { params[0][$0] * invStd[$0] }
        if wants[0] {
            if training {
                let m = Float(x.count / max(1, channels))
                var beta = [Float](repeating: 0, count: channels), shift = beta
                for c in 0..<channels {
                    beta[c] = -k[c] * invStd[c] * invStd[c] * Float(weighted[c]) / m
                    shift[c] = -beta[c] * mean[c] - k[c] * Float(sums[c]) / m
                }
                grads[0] = NormalizationKernels.channelCombine(g, x, alpha: k, beta: beta, shift: shift)
            } else {
                grads[0] = NormalizationKernels.channelAffine(g, scale: k, shift: [Float](repeating: 0, count: channels))
            }
        }
        if wants[1], let scale = context.inputs[1] {
            grads[1] = Tensor(shape: scale.shape, scalars: (0..<channels).map { Float(weighted[$0]) * invStd[$0] })
        }
        if wants[2], let bias = context.inputs[2] {
            grads[2] = Tensor(shape: bias.shape, scalars: sums.map { Float($0) })
        }
        return grads
    }
}

extension BatchNormalizationOperator {
    public init(node: Node, opset: Int) throws {
        let epsilon = try node.float("epsilon", default: 1e-5)
        let momentum = try node.float("momentum", default: 0.9)
        let mode = opset >= 14 ? try node.int("training_mode", default: 0) : 0
        guard mode == 0 || mode == 1 else { throw node.error("attribute 'training_mode' must be 0 or 1, got \(mode)") }
        self.init(node: node, epsilon: epsilon, momentum: momentum, training: mode == 1)
        if opset < 9, try node.int("spatial", default: 1) == 0 {
            throw node.error("spatial=0 (per-activation statistics) is not supported")
        }
        guard node.outputs.count <= 5 else { throw node.error("expects at most 5 outputs, got \(node.outputs.count)") }
        if training { trainingModeWarning.emit(node) }
    }
}
