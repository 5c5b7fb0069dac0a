import LoupeONNX
import LoupeTensor

/// ONNX Identity: the input, unchanged (storage shared).
public struct IdentityOperator: AttributeFreeOperator {
    public static let opType = "Identity"
    let node: Node

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        [try node.facts(inputs, 0, "input")]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        [try node.value(inputs, 0, "input")]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// The gradient is reshaped to the input's planned shape: no input is kept.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.reshapedGradient(context)
    }
}
