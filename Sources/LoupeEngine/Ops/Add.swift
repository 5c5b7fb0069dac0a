import LoupeONNX
import LoupeTensor

/// Add: `A + B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct AddOperator: BroadcastingBinaryOperator {
    public static let opType = "Add"
    static var floatOp: FloatBinaryOp { .add }
    static var intOp: IntBinaryOp? { .add }
    let node: Node

    public init(node: Node, opset: Int) throws { self.node = node }

    /// dA and dB are the output gradient reduced to each shape: no input is kept.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    /// `dA = reduce(g)`, `dB = reduce(g)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let (g, sa, sb) = try outputGradient(context)
        return [context.wants(0) ? reduceGradient(g, toShape: sa) : nil,
                context.wants(1) ? reduceGradient(g, toShape: sb) : nil]
    }
}
