import LoupeONNX
import LoupeTensor

/// Mul: `A * B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct MulOperator: BroadcastingBinaryOperator {
    public static let opType = "Mul"
    static var floatOp: FloatBinaryOp { .mul }
    static var intOp: IntBinaryOp? { .mul }
    let node: Node

    public init(node: Node, opset: Int) throws { self.node = node }

    /// dA reads B and dB reads A: scaling by a constant keeps no activation for saliency.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { bilinearInputsRead(wanted) }

    /// `dA = reduce(g B)`, `dB = reduce(g A)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let (g, sa, sb) = try outputGradient(context)
        return try node.located {
            [context.wants(0) ? reduceGradient(try broadcastBinary(g, try context.floatInput(1), .mul), toShape: sa) : nil,
             context.wants(1) ? reduceGradient(try broadcastBinary(g, try context.floatInput(0), .mul), toShape: sb) : nil]
        }
    }
}
