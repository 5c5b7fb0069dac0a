import LoupeONNX
import LoupeTensor

/// Sub: `A - B` with numpy broadcasting; integer tensors exactly (wrapping).
public struct SubOperator: BroadcastingBinaryOperator {
    public static let opType = "Sub"
    static var floatOp: FloatBinaryOp { .sub }
    static var intOp: IntBinaryOp? { .sub }
    let node: Node

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try binaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try binaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// `dA = reduce(g)`, `dB = -reduce(g)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let (sa, sb) = try inputShapes(context)
        let g = context.gradient(0, shape: try ElementwiseSupport.at(node) { try broadcastShape(sa, sb) })
        return [ElementwiseSupport.wants(context, 0) ? reduceGradient(g, toShape: sa) : nil,
                ElementwiseSupport.wants(context, 1) ? applyUnary(.neg, to: reduceGradient(g, toShape: sb)) : nil]
    }
}
