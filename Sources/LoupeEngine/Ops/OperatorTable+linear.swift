extension OperatorTable {
    /// Placeholder until the linear family lands.
    static let linearOperators: [any Operator.Type] = []
}
