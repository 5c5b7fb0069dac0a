import LoupeONNX
import LoupeTensor

/// Sqrt: `sqrt(x)`. Gradient `0.5 / y` from the output.
public struct SqrtOperator: UnaryKernelOperator {
    public static let opType = "Sqrt"
    let node: Node
    var function: UnaryFunction { .sqrt }
    var gradient: SqrtGradient { SqrtGradient() }
    public var backwardNeeds: BackwardNeeds { .outputs }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Sqrt vector-Jacobian product: `g / (2 y)` from the output.
struct SqrtGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * 0.5 / y }
}
