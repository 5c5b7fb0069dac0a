import LoupeTensor

/// A set of points for the embedding methods: `count` rows of `dimension` Float32 features, row-major.
public struct EmbeddingPoints: Sendable, Equatable {
    /// Number of points (rows).
    public let count: Int
    /// Features per point (columns).
    public let dimension: Int
    /// The coordinates, `count * dimension` values, row-major.
    public let values: [Float]

    /// Creates points from row-major values; throws when the sizes disagree or a value is not finite.
    public init(count: Int, dimension: Int, values: [Float]) throws {
        guard count > 0, dimension > 0, checkedProduct([count, dimension]) == values.count else {
            throw LoupeError(.invalidInput, location: "shape",
                             "expected \(count) x \(dimension) values with both sizes positive, got \(values.count)")
        }
        guard values.allSatisfy({ $0.isFinite }) else {
            throw LoupeError(.invalidInput, location: "values", "contains NaN or infinite values")
        }
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// Points from a tensor: the first axis indexes points, trailing axes are flattened into features.
    public init(tensor: Tensor) throws {
        guard tensor.rank >= 2 else {
            throw LoupeError(.invalidInput, location: "shape",
                             "expected rank >= 2 (points x features...), got shape \(tensor.shape)")
        }
        let rows = tensor.shape[0]
        try self.init(count: rows, dimension: rows > 0 ? tensor.count / rows : 0, values: tensor.scalars)
    }

    /// The points as an N x dimension tensor.
    public var tensor: Tensor { Tensor(shape: [count, dimension], scalars: values) }
}
