import Foundation
import LoupeONNX
import LoupeTensor

/// Pow: `A ^ B` with numpy broadcasting (computed in float; the exponent may be an integer tensor).
public struct PowOperator: BroadcastingBinaryOperator, AttributeFreeOperator {
    public static let opType = "Pow"
    static var floatOp: FloatBinaryOp { .pow }
    let node: Node

    /// `dA = g B A^(B-1)` (0 where B = 0), `dB = g A^B log A` (0 where A = 0 and B >= 0), as PyTorch.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor {
        let a = try broadcastExpand(try context.floatInput(0), to: g.shape)
        let b = try broadcastExpand(try context.floatInput(1), to: g.shape)
        if index == 0 {
            return zipElements(g, a, b) { g, a, b in b == 0 ? 0 : g * b * Foundation.pow(a, b - 1) }
        }
        return zipElements(g, a, b) { g, a, b in a == 0 && b >= 0 ? 0 : g * Foundation.pow(a, b) * Foundation.log(a) }
    }
}
