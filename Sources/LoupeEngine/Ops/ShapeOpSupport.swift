import LoupeONNX
import LoupeTensor

/// Helpers for operators that move data without arithmetic (both float and integer values).
enum ShapeOps {
    /// A new array of `count` elements written by `body` from `source`.
    @inline(__always)
    static func produce<T>(_ source: [T], count: Int,
                           _ body: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
        source.withUnsafeBufferPointer { src in
            [T](unsafeUninitializedCapacity: count) { dst, initialized in
                body(src, dst)
                initialized = count
            }
        }
    }

    /// The value with a new shape of equal element count, sharing storage.
    static func reshaped(_ value: TensorValue, _ shape: [Int]) -> TensorValue {
        switch value {
        case .float(let t): return .float(Tensor(shape: shape, scalars: t.scalars))
        case .int(let t): return .int(IntTensor(shape: shape, values: t.values))
        }
    }

    /// Facts with a new shape, keeping kind and reshaping any constant.
    static func reshaped(_ facts: ValueFacts, _ shape: [Int]) -> ValueFacts {
        ValueFacts(shape: shape, element: facts.element, constant: facts.constant.map { reshaped($0, shape) })
    }

    /// Gradient reshaped to the input's shape (for storage-sharing ops).
    static func reshapedGradient(_ context: BackwardContext, input: Int = 0) throws -> [Tensor?] {
        guard context.wantsInputGradient.first == true, let x = context.inputs.first ?? nil, !x.isInt else {
            return context.inputs.map { _ in nil }
        }
        let count = x.shape.reduce(1, *)
        let g = context.gradient(0, shape: x.shape)
        guard g.count == count else {
            throw LoupeError(.computation, "gradient of \(g.count) elements does not match input shape \(x.shape)")
        }
        var result: [Tensor?] = context.inputs.map { _ in nil }
        result[input] = Tensor(shape: x.shape, scalars: g.scalars)
        return result
    }

    /// The gradient of output `index` (zeros when none arrived), checked against the expected shape.
    static func gradient(_ context: BackwardContext, _ index: Int, _ shape: [Int]) throws -> Tensor {
        let g = context.gradient(index, shape: shape)
        guard g.shape == shape else {
            throw LoupeError(.computation, "gradient of shape \(g.shape) does not match output shape \(shape)")
        }
        return g
    }

    /// Product of `shape[range]`.
    static func product(_ shape: [Int], _ range: Range<Int>) -> Int { shape[range].reduce(1, *) }
}
