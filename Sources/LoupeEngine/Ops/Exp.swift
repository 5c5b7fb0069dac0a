import LoupeONNX
import LoupeTensor

/// Exp: `exp(x)`. Gradient `y` from the output.
public struct ExpOperator: UnaryKernelOperator {
    public static let opType = "Exp"
    let node: Node
    var function: UnaryFunction { .exp }
    var gradient: ExpGradient { ExpGradient() }
    public var backwardNeeds: BackwardNeeds { .outputs }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Exp vector-Jacobian product: `g y` from the output.
struct ExpGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y }
}
