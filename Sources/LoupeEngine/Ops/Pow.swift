import Foundation
import LoupeONNX
import LoupeTensor

/// Pow: `A ^ B` with numpy broadcasting (computed in float; the exponent may be an integer tensor).
public struct PowOperator: BroadcastingBinaryOperator {
    public static let opType = "Pow"
    static var floatOp: FloatBinaryOp { .pow }
    static var intOp: IntBinaryOp? { nil }
    let node: Node

    public init(node: Node, opset: Int) throws { self.node = node }

    /// `dA = reduce(g B A^(B-1))` (0 where B = 0), `dB = reduce(g A^B log A)` (0 where A = 0 and B >= 0), as PyTorch.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let a = try context.floatInput(0), b = try context.floatInput(1)
        return try node.located {
            let shape = try broadcastShape(a.shape, b.shape)
            let g = context.gradient(0, shape: shape)
            let ea = try broadcastExpand(a, to: shape), eb = try broadcastExpand(b, to: shape)
            var grads: [Tensor?] = [nil, nil]
            if context.wants(0) {
                let full = zipElements(g, ea, eb) { g, a, b in b == 0 ? 0 : g * b * Foundation.pow(a, b - 1) }
                grads[0] = reduceGradient(full, toShape: a.shape)
            }
            if context.wants(1) {
                let full = zipElements(g, ea, eb) { g, a, b in
                    a == 0 && b >= 0 ? 0 : g * Foundation.pow(a, b) * Foundation.log(a)
                }
                grads[1] = reduceGradient(full, toShape: b.shape)
            }
            return grads
        }
    }
}
