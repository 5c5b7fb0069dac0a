import LoupeONNX
import LoupeTensor

/// Softplus: `log(1 + exp(x))`. Gradient `sigmoid(x)`.
public struct SoftplusOperator: UnaryKernelOperator {
    public static let opType = "Softplus"
    let node: Node
    var function: UnaryFunction { .softplus }
    var gradient: SoftplusGradient { SoftplusGradient() }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Softplus vector-Jacobian product: `g sigmoid(x)`.
struct SoftplusGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * sigmoidScalar(x) }
}
