import LoupeONNX
import LoupeTensor

/// Mul: `A * B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct MulOperator: BroadcastingBinaryOperator, AttributeFreeOperator {
    public static let opType = "Mul"
    static var floatOp: FloatBinaryOp { .mul }
    let node: Node

    /// `dA = g B`, `dB = g A`.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor {
        try broadcastBinary(g, try context.floatInput(1 - index), .mul)
    }
}
