import LoupeONNX
import LoupeTensor

/// Div: `A / B` with numpy broadcasting; integer division truncates toward zero and refuses a zero divisor.
public struct DivOperator: BroadcastingBinaryOperator {
    public static let opType = "Div"
    static var floatOp: FloatBinaryOp { .div }
    static var intOp: IntBinaryOp? { .div }
    let node: Node

    public init(node: Node, opset: Int) throws { self.node = node }

    public var backwardNeeds: BackwardNeeds { .all }

    /// `dA = reduce(g / B)`, `dB = reduce(-(g / B) Y)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let a = try context.floatInput(0), b = try context.floatInput(1)
        return try node.located {
            let g = context.gradient(0, shape: try broadcastShape(a.shape, b.shape))
            let quotient = try broadcastBinary(g, b, .div)
            var grads: [Tensor?] = [nil, nil]
            if context.wants(0) { grads[0] = reduceGradient(quotient, toShape: a.shape) }
            if context.wants(1) {
                let y = try context.floatOutput(0)
                grads[1] = reduceGradient(zipElements(quotient, y) { q, y in -q * y }, toShape: b.shape)
            }
            return grads
        }
    }
}
