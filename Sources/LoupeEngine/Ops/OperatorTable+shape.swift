extension OperatorTable {
    /// Placeholder until the shape family lands.
    static let shapeOperators: [any Operator.Type] = []
}
