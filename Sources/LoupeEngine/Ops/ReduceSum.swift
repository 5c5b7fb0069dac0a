import LoupeONNX
import LoupeTensor

/// ONNX ReduceSum: the sum over the listed axes (all when none; identity when none and
/// `noop_with_empty_axes=1`), keeping reduced axes as extent 1 when `keepdims=1`.
///
/// Axes are an attribute before opset 13 and an optional constant input from 13 on.
public struct ReduceSumOperator: Operator {
    public static let opType = "ReduceSum"
    let core: ReduceCore

    public init(node: Node, opset: Int) throws {
        core = try ReduceCore(node: node, opset: opset, kind: .sum, axesInputFromOpset: 13)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        try core.inferFacts(inputs)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        try core.forward(inputs)
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try core.backward(context)
    }
}
