import LoupeONNX
import LoupeTensor

/// Tanh: hyperbolic tangent. Gradient `1 - y^2` from the output.
public struct TanhOperator: UnaryKernelOperator {
    public static let opType = "Tanh"
    let node: Node
    var function: UnaryFunction { .tanh }
    var gradient: TanhGradient { TanhGradient() }
    public var backwardNeeds: BackwardNeeds { .outputs }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Tanh vector-Jacobian product: `g (1 - y^2)` from the output.
struct TanhGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
}
