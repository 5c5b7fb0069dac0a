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

    /// A broadcast operand's gradient summed straight from `g` and the other operand, without the
    /// full-size product, when `reduceProduct` can (a per-channel scale: `Σ_hw g x`).
    func reducedGradient(_ index: Int, _ g: Tensor, toShape shape: [Int], _ context: BackwardContext) throws -> Tensor {
        if shape != g.shape, let reduced = reduceProduct(g, try context.floatInput(1 - index), toShape: shape) { return reduced }
        return reduceGradient(try broadcastGradient(index, g, context), toShape: shape)
    }
}
