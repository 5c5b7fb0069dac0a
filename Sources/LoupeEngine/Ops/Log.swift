import LoupeONNX
import LoupeTensor

/// Log: natural logarithm. Gradient `1 / x`.
public struct LogOperator: UnaryElementwiseOperator {
    public static let opType = "Log"
    let node: Node
    var function: UnaryFunction { .log }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, LogGradient())
    }
}

/// The Log vector-Jacobian product: `g / x`.
struct LogGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g / x }
}
