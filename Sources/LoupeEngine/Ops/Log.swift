import LoupeONNX
import LoupeTensor

/// Log: natural logarithm. Gradient `1 / x`.
public struct LogOperator: UnaryKernelOperator {
    public static let opType = "Log"
    let node: Node
    var function: UnaryFunction { .log }
    var gradient: LogGradient { LogGradient() }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Log vector-Jacobian product: `g / x`.
struct LogGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g / x }
}
