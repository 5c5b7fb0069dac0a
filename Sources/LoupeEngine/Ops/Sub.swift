import LoupeONNX
import LoupeTensor

/// Sub: `A - B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct SubOperator: BroadcastingBinaryOperator {
    public static let opType = "Sub"
    static var floatOp: FloatBinaryOp { .sub }
    static var intOp: IntBinaryOp? { .sub }
    let node: Node

    public init(node: Node, opset: Int) throws { self.node = node }

    /// dA and dB are the output gradient reduced to each shape: no input is kept.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    /// `dA = reduce(g)`, `dB = -reduce(g)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let (g, sa, sb) = try outputGradient(context)
        return [context.wants(0) ? reduceGradient(g, toShape: sa) : nil,
                context.wants(1) ? applyUnary(.neg, to: reduceGradient(g, toShape: sb)) : nil]
    }
}
