import LoupeONNX
import LoupeTensor

/// Sqrt: `sqrt(x)`. Gradient `0.5 / y` from the output.
public struct SqrtOperator: UnaryElementwiseOperator {
    public static let opType = "Sqrt"
    let node: Node
    var function: UnaryFunction { .sqrt }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .outputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, useOutput: true, SqrtGradient())
    }
}

/// The Sqrt vector-Jacobian product: `g / (2 y)` from the output.
struct SqrtGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * 0.5 / y }
}
