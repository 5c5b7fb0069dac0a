import LoupeONNX
import LoupeTensor

/// ONNX Not: logical negation of a boolean tensor (nonzero becomes 0, zero becomes 1).
///
/// Not differentiable: no gradient flows to the input.
public struct NotOperator: AttributeFreeOperator {
    public static let opType = "Not"
    let node: Node

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "X")
        return [ValueFacts(shape: x.shape, element: .integer)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        switch try node.value(inputs, 0, "X") {
        case .int(let t): return [.int(IntTensor(shape: t.shape, values: t.values.map { $0 == 0 ? 1 : 0 }))]
        case .float(let t): return [.int(IntTensor(shape: t.shape, values: t.scalars.map { $0 == 0 ? 1 : 0 }))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .none }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        context.noGradients
    }
}
