import LoupeONNX
import LoupeTensor

/// Sub: `A - B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct SubOperator: BroadcastingBinaryOperator, AttributeFreeOperator {
    public static let opType = "Sub"
    static var floatOp: FloatBinaryOp { .sub }
    let node: Node

    /// `dA = g`, `dB = -g`.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor {
        index == 0 ? g : applyUnary(.neg, to: g)
    }
}
