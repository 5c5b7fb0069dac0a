import LoupeONNX
import LoupeTensor

/// Exp: `exp(x)`. Gradient `y` from the output.
public struct ExpOperator: UnaryElementwiseOperator {
    public static let opType = "Exp"
    let node: Node
    var function: UnaryFunction { .exp }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .outputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, useOutput: true, ExpGradient())
    }
}

/// The Exp vector-Jacobian product: `g y` from the output.
struct ExpGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y }
}
