import LoupeONNX
import LoupeTensor

/// Tanh: hyperbolic tangent. Gradient `1 - y^2` from the output.
public struct TanhOperator: UnaryElementwiseOperator {
    public static let opType = "Tanh"
    let node: Node
    var function: UnaryFunction { .tanh }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .outputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, useOutput: true, TanhGradient())
    }
}

/// The Tanh vector-Jacobian product: `g (1 - y^2)` from the output.
struct TanhGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
}
