import LoupeONNX
import LoupeTensor

/// Add: `A + B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct AddOperator: BroadcastingBinaryOperator, AttributeFreeOperator {
    public static let opType = "Add"
    static var floatOp: FloatBinaryOp { .add }
    let node: Node

    /// `dA = g`, `dB = g`.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor { g }
}
