import Foundation

/// For each element of an `out`-shaped result (row-major), the position of the element of a
/// `shape`-shaped operand that numpy broadcasting pairs with it.
///
/// Used by operators that broadcast values of any element type (integers, booleans, selections);
/// `shape` must broadcast to `out` (check with `broadcastShape` first).
public func broadcastSourceOffsets(_ shape: [Int], to out: [Int]) -> [Int] {
    let count = out.reduce(1, *)
    guard count > 0 else { return [] }
    let rank = out.count
    guard rank > 0, shape.count <= rank else { return [Int](repeating: 0, count: count) }
    let strides = broadcastStrides(shape, to: out)
    var index = [Int](repeating: 0, count: rank)
    var offset = 0
    return [Int](unsafeUninitializedCapacity: count) { result, initialized in
        for i in 0..<count {
            result[i] = offset
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < out[axis] { break }
                offset -= strides[axis] * out[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        initialized = count
    }
}

/// Combines two arrays of any element types with numpy broadcasting; returns the result shape and values.
public func broadcastZip<A, B, R>(_ a: [A], _ aShape: [Int], _ b: [B], _ bShape: [Int],
                                  _ f: (A, B) throws -> R) throws -> (shape: [Int], values: [R]) {
    let shape = try broadcastShape(aShape, bShape)
    let aOffsets = broadcastSourceOffsets(aShape, to: shape)
    let bOffsets = broadcastSourceOffsets(bShape, to: shape)
    var values = [R]()
    values.reserveCapacity(aOffsets.count)
    for i in 0..<aOffsets.count { values.append(try f(a[aOffsets[i]], b[bOffsets[i]])) }
    return (shape, values)
}
