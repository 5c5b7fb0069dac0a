import LoupeONNX
import LoupeTensor

/// ONNX `GlobalMaxPool`: the maximum of each `[N, C, spatial...]` channel plane, keeping unit spatial axes.
///
/// Backward sends the gradient to the first maximum of each plane. Forward and backward live in `GlobalPoolingSupport.swift`.
public struct GlobalMaxPoolOperator: GlobalPoolingOperator, AttributeFreeOperator {
    public static let opType = "GlobalMaxPool"
    static let takesMaximum = true
    let node: Node
}
