import LoupeONNX
import LoupeTensor

/// Mul: `A * B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct MulOperator: BroadcastingBinaryOperator {
    public static let opType = "Mul"
    static var floatOp: FloatBinaryOp { .mul }
    static var intOp: IntBinaryOp? { .mul }
    let node: Node

    public init(node: Node, opset: Int) throws { self.node = node }

    /// `dA = reduce(g B)`, `dB = reduce(g A)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let a = try context.floatInput(0), b = try context.floatInput(1)
        return try node.located {
            let g = context.gradient(0, shape: try broadcastShape(a.shape, b.shape))
            return [context.wants(0) ? reduceGradient(try broadcastBinary(g, b, .mul), toShape: a.shape) : nil,
                    context.wants(1) ? reduceGradient(try broadcastBinary(g, a, .mul), toShape: b.shape) : nil]
        }
    }
}
