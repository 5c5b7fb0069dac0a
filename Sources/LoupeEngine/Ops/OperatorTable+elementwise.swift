extension OperatorTable {
    /// Placeholder until the elementwise family lands.
    static let elementwiseOperators: [any Operator.Type] = []
}
