import LoupeONNX
import LoupeTensor

/// LeakyRelu: `x > 0 ? x : alpha x` (alpha default 0.01). Gradient 1 for x > 0, alpha otherwise.
public struct LeakyReluOperator: UnaryElementwiseOperator {
    public static let opType = "LeakyRelu"
    let node: Node
    let alpha: Float
    var function: UnaryFunction { .leakyRelu(alpha: alpha) }

    public init(node: Node, opset: Int) throws {
        self.node = node
        alpha = try node.float("alpha", default: 0.01)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, LeakyReluGradient(alpha: alpha))
    }
}

/// The LeakyRelu vector-Jacobian product: g for x > 0, `alpha g` otherwise.
struct LeakyReluGradient: BinaryKernel {
    let alpha: Float
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : alpha * g }
}
