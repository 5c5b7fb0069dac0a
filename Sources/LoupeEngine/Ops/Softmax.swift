import LoupeONNX
import LoupeTensor

/// Softmax: `exp(x) / sum(exp(x))` along `axis` (opset >= 13, default -1); before 13 over the 2-D coercion at `axis` (default 1).
public struct SoftmaxOperator: SoftmaxFamilyOperator {
    public static let opType = "Softmax"
    static var isLog: Bool { false }
    let node: Node
    let axis: SoftmaxAxis
}
