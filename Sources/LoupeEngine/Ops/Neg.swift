import LoupeONNX
import LoupeTensor

/// Neg: `-x`; integers are negated exactly (wrapping at Int.min).
public struct NegOperator: UnaryKernelOperator {
    public static let opType = "Neg"
    let node: Node
    var function: UnaryFunction { .neg }
    var gradient: NegGradient { NegGradient() }
    static var acceptsIntegers: Bool { true }

    func integerForward(_ x: IntTensor) -> IntTensor? {
        IntTensor(shape: x.shape, values: x.values.map { 0 &- $0 })
    }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Neg vector-Jacobian product: `-g`.
struct NegGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ _: Float) -> Float { -g }
}
