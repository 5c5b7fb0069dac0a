import LoupeONNX
import LoupeTensor

/// Softplus: `log(1 + exp(x))`. Gradient `sigmoid(x)`.
public struct SoftplusOperator: UnaryElementwiseOperator {
    public static let opType = "Softplus"
    let node: Node
    var function: UnaryFunction { .softplus }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, SoftplusGradient())
    }
}

/// The Softplus vector-Jacobian product: `g sigmoid(x)`.
struct SoftplusGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * sigmoidScalar(x) }
}
