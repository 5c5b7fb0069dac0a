import LoupeONNX
import LoupeTensor

/// ONNX Identity: the input, unchanged (storage shared).
public struct IdentityOperator: AttributeFreeOperator, ReshapedGradientOperator {
    public static let opType = "Identity"
    let node: Node

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        [try node.facts(inputs, 0, "input")]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        [try node.value(inputs, 0, "input")]
    }
}
