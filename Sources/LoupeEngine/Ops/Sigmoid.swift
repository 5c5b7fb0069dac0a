import LoupeONNX
import LoupeTensor

/// Sigmoid: `1 / (1 + exp(-x))`. Gradient `y (1 - y)` from the output.
public struct SigmoidOperator: UnaryKernelOperator {
    public static let opType = "Sigmoid"
    let node: Node
    var function: UnaryFunction { .sigmoid }
    var gradient: SigmoidGradient { SigmoidGradient() }
    public var backwardNeeds: BackwardNeeds { .outputs }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Sigmoid vector-Jacobian product: `g y (1 - y)` from the output.
struct SigmoidGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
}
