import LoupeONNX
import LoupeTensor

/// Div: `A / B` with numpy broadcasting; integer division truncates toward zero and refuses a zero divisor.
public struct DivOperator: BroadcastingBinaryOperator, AttributeFreeOperator {
    public static let opType = "Div"
    static var floatOp: FloatBinaryOp { .div }
    let node: Node

    public var backwardNeeds: BackwardNeeds { .all }

    /// `dA = g / B`, `dB = -(g / B) Y`.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor {
        let quotient = try broadcastBinary(g, try context.floatInput(1), .div)
        guard index == 1 else { return quotient }
        let y = try context.floatOutput(0)
        return zipElements(quotient, y) { q, y in -q * y }
    }
}
