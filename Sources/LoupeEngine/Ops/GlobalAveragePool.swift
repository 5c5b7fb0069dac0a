import LoupeONNX
import LoupeTensor

/// ONNX `GlobalAveragePool`: the mean of each `[N, C, spatial...]` channel plane, keeping unit spatial axes.
///
/// Backward sends a uniform share of the gradient of each plane. Forward and backward live in `GlobalPoolingSupport.swift`.
public struct GlobalAveragePoolOperator: GlobalPoolingOperator, AttributeFreeOperator {
    public static let opType = "GlobalAveragePool"
    static let takesMaximum = false
    let node: Node
}
