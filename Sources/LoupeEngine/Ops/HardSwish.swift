import LoupeONNX
import LoupeTensor

/// HardSwish: `x * max(0, min(1, x / 6 + 0.5))`. Gradient as PyTorch: 0 below -3, `x / 3 + 0.5` up to 3, 1 above.
public struct HardSwishOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "HardSwish"
    let node: Node
    var function: UnaryFunction { .hardSwish }

    /// The vector-Jacobian product: 0 below -3, `g (x / 3 + 0.5)` up to 3, g above (PyTorch).
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { x < -3 ? 0 : (x <= 3 ? g * (x / 3 + 0.5) : g) }
}
