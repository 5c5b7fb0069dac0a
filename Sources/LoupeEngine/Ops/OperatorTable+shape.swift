extension OperatorTable {
    /// Data movement, reductions over axes, shapes and resampling.
    static let shapeOperators: [any Operator.Type] = [
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
    ]
}
