import Foundation

/// The numpy-style (multidirectional) broadcast of two shapes.
///
/// Shapes are right-aligned; each pair of extents must be equal or one of them 1.
/// Throws `LoupeError(.invalidModel)` naming both shapes when they are incompatible.
public func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if da == db || db == 1 {
            result[i] = da
        } else if da == 1 {
            result[i] = db
        } else {
            throw LoupeError(.invalidModel, "shapes \(a) and \(b) cannot be broadcast together (axis \(i): \(da) vs \(db))")
        }
    }
    return result
}

/// Floating-point binary operations the broadcasting kernel runs with specialised loops.
public enum FloatBinaryOp: Sendable, Equatable {
    case add, sub, mul, div, pow
    /// `a > 0 ? a : a * b` (PRelu with slope `b`).
    case prelu
    case max, min
}

/// Integer binary operations (Int64 semantics, wrapping on overflow; `div` truncates toward zero).
public enum IntBinaryOp: Sendable, Equatable {
    case add, sub, mul, div
}

/// How two operands map onto the broadcast output, chosen once per call.
enum BroadcastPlan {
    /// Both operands have the output's shape.
    case same
    /// Operand A (or B when `swapped`) is full; the other is one value.
    case scalar(swapped: Bool)
    /// One operand is full; the other varies only over a contiguous block of axes: output = [outer, mid, inner].
    case block(outer: Int, mid: Int, inner: Int, swapped: Bool)
    /// Anything else: strided iteration over rows of the last axis.
    case general(shape: [Int], aStrides: [Int], bStrides: [Int])

    init(_ aShape: [Int], _ bShape: [Int], out: [Int]) {
        let count = out.reduce(1, *)
        let aCount = aShape.reduce(1, *), bCount = bShape.reduce(1, *)
        if aShape == bShape || (aCount == count && bCount == count) { self = .same; return }
        if bCount == 1 && aCount == count { self = .scalar(swapped: false); return }
        if aCount == 1 && bCount == count { self = .scalar(swapped: true); return }
        if aCount == count, let b = BroadcastPlan.block(bShape, out: out) {
            self = .block(outer: b.0, mid: b.1, inner: b.2, swapped: false); return
        }
        if bCount == count, let a = BroadcastPlan.block(aShape, out: out) {
            self = .block(outer: a.0, mid: a.1, inner: a.2, swapped: true); return
        }
        self = .general(shape: out, aStrides: broadcastStrides(aShape, to: out), bStrides: broadcastStrides(bShape, to: out))
    }

    /// Splits `out` as [outer, mid, inner] when `small` equals `out` on a contiguous run of axes and is 1 elsewhere.
    static func block(_ small: [Int], out: [Int]) -> (Int, Int, Int)? {
        let padded = [Int](repeating: 1, count: out.count - small.count) + small
        guard let first = padded.firstIndex(where: { $0 != 1 }), let last = padded.lastIndex(where: { $0 != 1 }) else {
            return nil
        }
        for i in first...last where padded[i] != out[i] { return nil }
        let outer = out[..<first].reduce(1, *)
        let mid = out[first...last].reduce(1, *)
        let inner = out[(last + 1)...].reduce(1, *)
        return (outer, mid, inner)
    }
}

/// Strides of `shape` viewed in `out`'s rank, with 0 on broadcast (extent-1) axes.
func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
    let padded = [Int](repeating: 1, count: out.count - shape.count) + shape
    var strides = Tensor.strides(of: padded)
    for i in 0..<padded.count where padded[i] == 1 { strides[i] = 0 }
    return strides
}

/// Elements per parallel chunk for elementwise loops.
let elementwiseGrain = 32_768

/// The broadcasting loop shared by every binary map; specialised per kernel type so `f` is inlined.
@inline(__always)
func broadcastLoop<K: BinaryKernel>(_ a: UnsafeBufferPointer<K.Element>, _ aShape: [Int],
                                    _ b: UnsafeBufferPointer<K.Element>, _ bShape: [Int],
                                    into out: UnsafeMutableBufferPointer<K.Element>, outShape: [Int], _ f: K) {
    let count = out.count
    guard count > 0, let pa = a.baseAddress, let pb = b.baseAddress, let po = out.baseAddress else { return }
    switch BroadcastPlan(aShape, bShape, out: outShape) {
    case .same:
        Parallel.forEachChunk(count, grain: elementwiseGrain) { r in
            for i in r { po[i] = f(pa[i], pb[i]) }
        }
    case .scalar(let swapped):
        if swapped {
            let s = pa[0]
            Parallel.forEachChunk(count, grain: elementwiseGrain) { r in
                for i in r { po[i] = f(s, pb[i]) }
            }
        } else {
            let s = pb[0]
            Parallel.forEachChunk(count, grain: elementwiseGrain) { r in
                for i in r { po[i] = f(pa[i], s) }
            }
        }
    case .block(let outer, let mid, let inner, let swapped):
        let full = swapped ? pb : pa, small = swapped ? pa : pb
        if inner == 1 {
            // Trailing vector: each row of `mid` pairs with the whole small operand.
            Parallel.forEachChunk(outer, grain: max(1, elementwiseGrain / max(1, mid))) { r in
                for o in r {
                    let base = o * mid
                    if swapped {
                        for m in 0..<mid { po[base + m] = f(small[m], full[base + m]) }
                    } else {
                        for m in 0..<mid { po[base + m] = f(full[base + m], small[m]) }
                    }
                }
            }
        } else {
            // Per-channel: one small value per run of `inner` elements.
            Parallel.forEachChunk(outer * mid, grain: max(1, elementwiseGrain / inner)) { r in
                for row in r {
                    let s = small[row % mid]
                    let base = row * inner
                    if swapped {
                        for i in base..<(base + inner) { po[i] = f(s, full[i]) }
                    } else {
                        for i in base..<(base + inner) { po[i] = f(full[i], s) }
                    }
                }
            }
        }
    case .general(let shape, let sa, let sb):
        let rank = shape.count
        let last = shape[rank - 1]
        let rows = count / max(1, last)
        let la = sa[rank - 1], lb = sb[rank - 1]
        Parallel.forEachChunk(rows, grain: max(1, elementwiseGrain / max(1, last))) { r in
            var index = [Int](repeating: 0, count: rank)
            var rest = r.lowerBound
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            for row in r {
                var oa = 0, ob = 0
                for axis in 0..<(rank - 1) { oa += index[axis] * sa[axis]; ob += index[axis] * sb[axis] }
                let base = row * last
                for j in 0..<last { po[base + j] = f(pa[oa + j * la], pb[ob + j * lb]) }
                advance(&index, in: shape, lastAxis: rank - 2)
            }
        }
    }
}

/// Steps a row-major multi-index (an odometer) over axes 0...`lastAxis`, the last of them fastest.
@inline(__always)
func advance(_ index: inout [Int], in shape: [Int], lastAxis: Int) {
    var axis = lastAxis
    while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { return }
        index[axis] = 0
        axis -= 1
    }
}

/// A new array of `count` elements written by `fill` from the two operands' storage; every broadcast
/// plan writes every output element, so the buffer starts uninitialised.
@inline(__always)
func broadcastFill<T>(_ a: [T], _ b: [T], count: Int,
                      _ fill: (UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
    [T](unsafeUninitializedCapacity: count) { po, initialized in
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in fill(pa, pb, po) } }
        initialized = count
    }
}

/// Applies a binary float operation with numpy broadcasting.
public func broadcastBinary(_ a: Tensor, _ b: Tensor, _ op: FloatBinaryOp) throws -> Tensor {
    let shape = try broadcastShape(a.shape, b.shape)
    let out = broadcastFill(a.scalars, b.scalars, count: shape.reduce(1, *)) { pa, pb, po in
        switch op {
        case .add: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatAdd())
        case .sub: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatSub())
        case .mul: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatMul())
        case .div: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatDiv())
        case .pow: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatPow())
        case .prelu: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatPRelu())
        case .max: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatMax())
        case .min: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, FloatMin())
        }
    }
    return Tensor(shape: shape, scalars: out)
}

/// Applies a binary integer operation with numpy broadcasting.
///
/// Arithmetic wraps on Int64 overflow; division truncates toward zero (C semantics) and
/// throws `LoupeError(.computation)` on a zero divisor.
public func broadcastBinary(_ a: IntTensor, _ b: IntTensor, _ op: IntBinaryOp) throws -> IntTensor {
    let shape = try broadcastShape(a.shape, b.shape)
    if op == .div, b.values.contains(0), shape.reduce(1, *) > 0 {
        throw LoupeError(.computation, "integer division by zero")
    }
    let out = broadcastFill(a.values, b.values, count: shape.reduce(1, *)) { pa, pb, po in
        switch op {
        case .add: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, IntAdd())
        case .sub: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, IntSub())
        case .mul: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, IntMul())
        case .div: broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, IntDiv())
        }
    }
    return IntTensor(shape: shape, values: out)
}

/// Applies any float function of two broadcast operands (a closure call per element; for cold paths).
public func broadcastMap(_ a: Tensor, _ b: Tensor, _ f: @escaping (Float, Float) -> Float) throws -> Tensor {
    let shape = try broadcastShape(a.shape, b.shape)
    let out = broadcastFill(a.scalars, b.scalars, count: shape.reduce(1, *)) { pa, pb, po in
        broadcastLoop(pa, a.shape, pb, b.shape, into: po, outShape: shape, ClosureBinaryKernel(f))
    }
    return Tensor(shape: shape, scalars: out)
}

/// Materialises `t` broadcast to `shape` (which must be a broadcast of `t.shape`).
public func broadcastExpand(_ t: Tensor, to shape: [Int]) throws -> Tensor {
    if t.shape == shape { return t }
    let target = try broadcastShape(t.shape, shape)
    guard target == shape else {
        throw LoupeError(.invalidModel, "shape \(t.shape) cannot be broadcast to \(shape)")
    }
    return try broadcastMap(t, Tensor(shape: shape)) { a, _ in a }
}
