import LoupeONNX
import LoupeTensor

/// Sigmoid: `1 / (1 + exp(-x))`. Gradient `y (1 - y)` from the output.
public struct SigmoidOperator: UnaryElementwiseOperator {
    public static let opType = "Sigmoid"
    let node: Node
    var function: UnaryFunction { .sigmoid }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .outputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, useOutput: true, SigmoidGradient())
    }
}

/// The Sigmoid vector-Jacobian product: `g y (1 - y)` from the output.
struct SigmoidGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
}
