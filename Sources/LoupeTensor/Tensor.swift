/// A dense, row-major Float32 tensor: the engine's only numeric type.
///
/// Images are NCHW with the batch first. Storage is a Swift array (copy-on-write), so a
/// `Tensor` is a value: copying is cheap until one copy is written.
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension; `[]` is a scalar.
    public var shape: [Int]
    /// The elements in row-major (C) order; `count == shape.product`.
    public var scalars: [Float]

    /// Creates a tensor from a shape and matching scalars.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not match \(scalars.count) scalars")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor filled with one value.
    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.scalars = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// Creates a rank-0 tensor.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// Number of elements.
    @inlinable public var count: Int { scalars.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Row-major strides of `shape`.
    public var strides: [Int] { Tensor.strides(of: shape) }

    /// Row-major strides for any shape.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The same scalars viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Rows `start..<end` of the first axis.
    public func slice(batch range: Range<Int>) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]))
    }

    /// Concatenates tensors along the first axis (all other extents must agree).
    public static func stacking(batches: [Tensor]) -> Tensor {
        guard let first = batches.first else { return Tensor(shape: [0]) }
        var shape = first.shape
        shape[0] = batches.reduce(0) { $0 + $1.shape[0] }
        var scalars = [Float]()
        scalars.reserveCapacity(shape.reduce(1, *))
        for batch in batches { scalars.append(contentsOf: batch.scalars) }
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// A dense row-major Int64-valued tensor, used for shapes, indices and axes.
public struct IntTensor: Sendable, Equatable {
    /// Extent of each dimension; `[]` is a scalar.
    public var shape: [Int]
    /// The elements in row-major order.
    public var values: [Int]

    /// Creates an integer tensor from a shape and matching values.
    public init(shape: [Int], values: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// A rank-1 tensor of the given values.
    public init(vector: [Int]) { self.init(shape: [vector.count], values: vector) }

    /// Number of elements.
    public var count: Int { values.count }
}

/// A value flowing through a graph: floating point data, or integers (shapes, indices).
public enum TensorValue: Sendable, Equatable {
    case float(Tensor)
    case int(IntTensor)

    /// The value's shape.
    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int(let t): return t.shape
        }
    }

    /// The float tensor, converting integers exactly where they fit.
    public var asFloat: Tensor {
        switch self {
        case .float(let t): return t
        case .int(let t): return Tensor(shape: t.shape, scalars: t.values.map { Float($0) })
        }
    }

    /// The integer tensor, rounding floats toward zero and clamping to the Int range.
    public var asInt: IntTensor {
        switch self {
        case .int(let t): return t
        case .float(let t): return IntTensor(shape: t.shape, values: t.scalars.map { Tensor.clampedInt($0) })
        }
    }

    /// Whether the value holds integers.
    public var isInt: Bool { if case .int = self { return true } else { return false } }
}

extension Tensor {
    /// Converts a float to Int without trapping on NaN, infinities or out-of-range values.
    public static func clampedInt(_ value: Float) -> Int {
        if value.isNaN { return 0 }
        if value >= 9.2e18 { return Int.max }
        if value <= -9.2e18 { return Int.min }
        return Int(value)
    }
}
