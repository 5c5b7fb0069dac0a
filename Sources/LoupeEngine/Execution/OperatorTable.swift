import LoupeONNX
import LoupeTensor

/// The registry: every supported ONNX operator, one line each (grouped by family files).
public enum OperatorTable {
    /// Every operator type the engine runs.
    public static let all: [any Operator.Type] = linearOperators + elementwiseOperators + shapeOperators

    /// Operator types by ONNX op type name.
    public static let byOpType: [String: any Operator.Type] = {
        var table = [String: any Operator.Type]()
        for op in all { table[op.opType] = op }
        return table
    }()

    /// Whether a domain is the default ONNX domain.
    public static func isDefaultDomain(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }
}
