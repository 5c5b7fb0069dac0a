import LoupeONNX
import LoupeTensor

// Adding an op: write `Sources/LoupeEngine/Ops/<OpType>.swift` with one struct that keeps
// `let node: Node` and its attributes, reads its inputs through the node (`try node.float(inputs, 0, "X")`,
// see `Execution/NodeInputs.swift`), and has `forward` with `backward` right beneath it. Keep the
// struct body free of `init` so Swift keeps its memberwise one: an op without attributes conforms to
// `AttributeFreeOperator` (Execution/Operator.swift); one with attributes parses them in an
// `extension <OpType>Operator { public init(node:opset:) }` that calls `self.init(node:...)`.
// If it belongs to a family, conform to the family protocol and write only what differs:
// `UnaryKernelOperator` (a `function` and a per-element `gradient`) / `UnaryElementwiseOperator` and
// `BroadcastingBinaryOperator` (a `floatOp` and `broadcastGradient`) in Ops/ElementwiseSupport.swift,
// `ReduceOperator` (ReduceCore.swift), `WindowPoolingOperator` (PoolingSupport.swift),
// `AxesReshapingOperator` (ShapeOpSupport.swift), and so on.
// Then add one line to `OperatorTable.all` below, a `checkGradients` case in the matching
// `Tests/LoupeEngineTests/*Tests.swift`, and an onnxruntime case in `Tests/Fixtures/make_fixtures.py`.

/// The registry: every supported ONNX operator, one line each.
public enum OperatorTable {
    /// Every operator type the engine runs.
    public static let all: [any Operator.Type] = [
        // Convolutions, matrix products, pooling
        ConvOperator.self,
        ConvTransposeOperator.self,
        GemmOperator.self,
        MatMulOperator.self,
        MaxPoolOperator.self,
        AveragePoolOperator.self,
        GlobalAveragePoolOperator.self,
        GlobalMaxPoolOperator.self,
        // Arithmetic with broadcasting, activations, softmax, normalisation
        AddOperator.self,
        SubOperator.self,
        MulOperator.self,
        DivOperator.self,
        PowOperator.self,
        SqrtOperator.self,
        NegOperator.self,
        ExpOperator.self,
        LogOperator.self,
        AbsOperator.self,
        ReluOperator.self,
        LeakyReluOperator.self,
        PReluOperator.self,
        EluOperator.self,
        SigmoidOperator.self,
        TanhOperator.self,
        HardSigmoidOperator.self,
        HardSwishOperator.self,
        ClipOperator.self,
        ErfOperator.self,
        GeluOperator.self,
        SoftplusOperator.self,
        SoftmaxOperator.self,
        LogSoftmaxOperator.self,
        BatchNormalizationOperator.self,
        LayerNormalizationOperator.self,
        // Data movement, reductions, shapes, resampling
        FlattenOperator.self,
        ReshapeOperator.self,
        TransposeOperator.self,
        ConcatOperator.self,
        SplitOperator.self,
        SliceOperator.self,
        SqueezeOperator.self,
        UnsqueezeOperator.self,
        PadOperator.self,
        ReduceMeanOperator.self,
        ReduceSumOperator.self,
        ReduceMaxOperator.self,
        IdentityOperator.self,
        DropoutOperator.self,
        ConstantOperator.self,
        ShapeOperator.self,
        GatherOperator.self,
        CastOperator.self,
        ResizeOperator.self,
        UpsampleOperator.self,
        // Shape arithmetic of exports with a dynamic batch axis (class tokens, shifted windows)
        ConstantOfShapeOperator.self,
        EqualOperator.self,
        NotOperator.self,
        WhereOperator.self,
        ExpandOperator.self,
        ModOperator.self,
        RangeOperator.self,
        ScatterNDOperator.self,
        EinsumOperator.self,
    ]

    /// Operator types by ONNX op type name.
    public static let byOpType: [String: any Operator.Type] = {
        var table = [String: any Operator.Type]()
        for op in all { table[op.opType] = op }
        return table
    }()

    /// Whether a domain is the default ONNX domain.
    public static func isDefaultDomain(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }
}
