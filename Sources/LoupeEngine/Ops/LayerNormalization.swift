import LoupeONNX
import LoupeTensor

/// LayerNormalization: normalise over axes `axis...` then `* Scale + B` (Scale and B broadcast to that block).
///
/// Outputs Y and, when requested, Mean and InvStdDev shaped like X with the normalised axes set to 1.
/// Statistics are computed in float with double accumulation (`stash_type` is accepted and ignored).
public struct LayerNormalizationOperator: Operator {
    public static let opType = "LayerNormalization"
    let node: Node
    let axis: Int
    let epsilon: Float

    /// X viewed as [rows, size] around the resolved axis, with the normalised block's shape.
    func geometry(_ shape: [Int]) throws -> (rows: Int, size: Int, block: [Int], statsShape: [Int]) {
        guard !shape.isEmpty else { throw node.error("input X must have rank >= 1") }
        let resolved = try node.axis(axis, rank: shape.count)
        let block = Array(shape[resolved...])
        let statsShape = Array(shape[..<resolved]) + [Int](repeating: 1, count: block.count)
        return (shape[..<resolved].reduce(1, *), block.reduce(1, *), block, statsShape)
    }

    /// Checks a Scale/B shape broadcasts unidirectionally onto the normalised block.
    func checkParameter(_ shape: [Int], _ block: [Int], _ name: String) throws {
        let merged = try? broadcastShape(block, shape)
        guard merged == block else {
            throw node.error("input '\(name)' of shape \(shape) does not broadcast to the normalised shape \(block)")
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "X")
        guard x.element == .float else { throw node.error("expects a floating-point input X") }
        let (_, _, block, statsShape) = try geometry(x.shape)
        try checkParameter(try node.facts(inputs, 1, "Scale").shape, block, "Scale")
        if inputs.count > 2, let b = inputs[2] { try checkParameter(b.shape, block, "B") }
        var facts = [ValueFacts(shape: x.shape, element: .float)]
        for _ in 1..<max(1, node.outputs.count) { facts.append(ValueFacts(shape: statsShape, element: .float)) }
        return facts
    }

    /// X, the geometry, and Scale/B expanded to the normalised block.
    func operands(_ inputs: [TensorValue?]) throws
        -> (x: Tensor, rows: Int, size: Int, block: [Int], stats: [Int], scale: Tensor, bias: Tensor?) {
        let x = try node.float(inputs, 0, "X")
        let (rows, size, block, stats) = try geometry(x.shape)
        let scale = try node.float(inputs, 1, "Scale")
        try checkParameter(scale.shape, block, "Scale")
        var bias: Tensor?
        if inputs.count > 2, let b = inputs[2]?.asFloat {
            try checkParameter(b.shape, block, "B")
            bias = b
        }
        return (x, rows, size, block, stats, scale, bias)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let op = try operands(inputs)
        let scale = try broadcastExpand(op.scale, to: op.block)
        let bias = try op.bias.map { try broadcastExpand($0, to: op.block).scalars }
        let (y, mean, invStd) = NormalizationKernels.layerNormForward(op.x, rows: op.rows, size: op.size, epsilon: epsilon,
                                                                      scale: scale.scalars, bias: bias)
        var outputs: [TensorValue] = [.float(y)]
        if node.outputs.count > 1 { outputs.append(.float(Tensor(shape: op.stats, scalars: mean))) }
        if node.outputs.count > 2 { outputs.append(.float(Tensor(shape: op.stats, scalars: invStd))) }
        return outputs
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// Gradients for X (including any gradient arriving at Mean/InvStdDev), Scale and B.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard let wants = context.wantedInputs(3) else { return context.noGradients }
        var grads = context.noGradients
        let op = try operands(context.inputs)
        let scale = try broadcastExpand(op.scale, to: op.block)
        // Recompute the statistics (cheap next to the backward itself) rather than keeping outputs alive.
        let (mean, invStd) = NormalizationKernels.layerNormStatistics(op.x, rows: op.rows, size: op.size, epsilon: epsilon)
        let g = context.gradient(0, shape: op.x.shape)
        let extra = { (index: Int) -> [Float]? in
            index < context.outputGradients.count ? context.outputGradients[index]?.scalars : nil
        }
        let result = NormalizationKernels.layerNormBackward(g, x: op.x, rows: op.rows, size: op.size, scale: scale.scalars,
                                                            mean: mean, invStd: invStd, gradMean: extra(1),
                                                            gradInvStd: extra(2))
        if wants[0] { grads[0] = result.dx }
        if wants[1] { grads[1] = reduceGradient(Tensor(shape: op.block, scalars: result.dScale), toShape: op.scale.shape) }
        if wants[2], let bias = op.bias {
            grads[2] = reduceGradient(Tensor(shape: op.block, scalars: result.dBias), toShape: bias.shape)
        }
        return grads
    }
}

extension LayerNormalizationOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axis: try node.int("axis", default: -1), epsilon: try node.float("epsilon", default: 1e-5))
        guard node.outputs.count <= 3 else { throw node.error("expects at most 3 outputs, got \(node.outputs.count)") }
    }
}
