import LoupeONNX
import LoupeTensor

/// Abs: `|x|`; integers exactly. Gradient `sign(x)` with `sign(0) = 0`.
public struct AbsOperator: UnaryKernelOperator {
    public static let opType = "Abs"
    let node: Node
    var function: UnaryFunction { .abs }
    var gradient: AbsGradient { AbsGradient() }
    static var acceptsIntegers: Bool { true }

    func integerForward(_ x: IntTensor) -> IntTensor? {
        IntTensor(shape: x.shape, values: x.values.map { $0 == Int.min ? $0 : Swift.abs($0) })
    }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Abs vector-Jacobian product: sign(x) g, with sign(0) = 0.
struct AbsGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
}
