extension OperatorTable {
    /// Convolutions, matrix products and pooling.
    static let linearOperators: [any Operator.Type] = [
        ConvOperator.self,
        ConvTransposeOperator.self,
        GemmOperator.self,
        MatMulOperator.self,
        MaxPoolOperator.self,
        AveragePoolOperator.self,
        GlobalAveragePoolOperator.self,
        GlobalMaxPoolOperator.self,
    ]
}
