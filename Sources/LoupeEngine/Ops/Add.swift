import LoupeONNX
import LoupeTensor

/// Add: `A + B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct AddOperator: BroadcastingBinaryOperator, AttributeFreeOperator {
    public static let opType = "Add"
    static var floatOp: FloatBinaryOp { .add }
    let node: Node

    /// dA and dB are the output gradient reduced to each shape: no input is kept.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    /// `dA = g`, `dB = g`.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor { g }
}
