import LoupeONNX
import LoupeTensor

/// LogSoftmax: `x - log(sum(exp(x)))` along `axis` (opset >= 13, default -1); before 13 over the 2-D coercion at `axis` (default 1).
public struct LogSoftmaxOperator: SoftmaxFamilyOperator {
    public static let opType = "LogSoftmax"
    static var isLog: Bool { true }
    let node: Node
    let axis: SoftmaxAxis
}
