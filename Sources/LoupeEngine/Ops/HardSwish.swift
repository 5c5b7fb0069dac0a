import LoupeONNX
import LoupeTensor

/// HardSwish: `x * max(0, min(1, x / 6 + 0.5))`. Gradient as PyTorch: 0 below -3, `x / 3 + 0.5` up to 3, 1 above.
public struct HardSwishOperator: UnaryKernelOperator {
    public static let opType = "HardSwish"
    let node: Node
    var function: UnaryFunction { .hardSwish }
    var gradient: HardSwishGradient { HardSwishGradient() }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The HardSwish vector-Jacobian product: 0 below -3, `g (x / 3 + 0.5)` up to 3, g above (PyTorch).
struct HardSwishGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x < -3 ? 0 : (x <= 3 ? g * (x / 3 + 0.5) : g) }
}
