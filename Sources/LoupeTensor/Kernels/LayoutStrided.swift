/// Strided copies between row-major buffers: the one primitive behind transpose, slicing,
/// concatenation, splitting and padding.
///
/// A copy is described by an iteration `shape` and, for each side, a base pointer and one stride
/// per axis (strides may be negative or zero on the source). Adjacent axes that are contiguous on
/// both sides are merged first, so the inner loop is a block `update(from:count:)` whenever both
/// innermost strides are 1.
public enum LayoutKernels {
    /// Merges adjacent axes that are contiguous on both sides and drops unit axes.
    ///
    /// Returns the reduced shape and strides (each list the same length), innermost last.
    public static func mergedAxes(shape: [Int], strides a: [Int], _ b: [Int]) -> (shape: [Int], a: [Int], b: [Int]) {
        var shapeOut = [Int](), aOut = [Int](), bOut = [Int]()
        shapeOut.reserveCapacity(shape.count)
        for axis in shape.indices where shape[axis] != 1 {
            if let last = shapeOut.indices.last,
               aOut[last] == a[axis] * shape[axis], bOut[last] == b[axis] * shape[axis] {
                shapeOut[last] *= shape[axis]
                aOut[last] = a[axis]
                bOut[last] = b[axis]
            } else {
                shapeOut.append(shape[axis])
                aOut.append(a[axis])
                bOut.append(b[axis])
            }
        }
        return (shapeOut, aOut, bOut)
    }

    /// Calls `body(sourceOffset, destinationOffset)` for every inner run of a merged iteration.
    ///
    /// The run covers the last axis of `shape` (length `shape.last`, or 1 for a scalar iteration).
    @inlinable
    public static func forEachRun(shape: [Int], strides a: [Int], _ b: [Int], _ body: (Int, Int) -> Void) {
        let rank = shape.count
        if rank <= 1 { body(0, 0); return }
        let outer = rank - 1
        var counter = [Int](repeating: 0, count: outer)
        var offA = 0, offB = 0
        var runs = 1
        for axis in 0..<outer { runs *= shape[axis] }
        for _ in 0..<runs {
            body(offA, offB)
            var axis = outer - 1
            while axis >= 0 {
                counter[axis] += 1
                offA += a[axis]
                offB += b[axis]
                if counter[axis] < shape[axis] { break }
                offA -= a[axis] * shape[axis]
                offB -= b[axis] * shape[axis]
                counter[axis] = 0
                axis -= 1
            }
        }
    }

    /// Copies `shape`-many elements from `source` (strides `sourceStrides`) to `destination`.
    ///
    /// Pointers point at the element with all-zero coordinates. Destinations must not overlap
    /// (large copies are split over the outermost merged axis and run in parallel).
    @inlinable
    public static func stridedCopy<T>(from source: UnsafePointer<T>, strides sourceStrides: [Int],
                                      to destination: UnsafeMutablePointer<T>, strides destinationStrides: [Int],
                                      shape: [Int]) {
        if shape.contains(0) { return }
        let merged = mergedAxes(shape: shape, strides: sourceStrides, destinationStrides)
        let total = merged.shape.reduce(1, *)
        let src = SendablePointer(UnsafeMutablePointer(mutating: source)), dst = SendablePointer(destination)
        if total < parallelThreshold || merged.shape.isEmpty {
            copyRuns(src.base, dst.base, shape: merged.shape, merged.a, merged.b)
            return
        }
        let first = merged.shape[0]
        Parallel.forEachChunk(first, grain: max(1, first * parallelThreshold / (2 * total))) { range in
            var sub = merged.shape
            sub[0] = range.count
            copyRuns(src.base + range.lowerBound * merged.a[0], dst.base + range.lowerBound * merged.b[0],
                     shape: sub, merged.a, merged.b)
        }
    }

    /// Element count above which layout copies run on several threads.
    public static let parallelThreshold = 1 << 16

    /// The serial body of `stridedCopy` on already merged axes.
    @inlinable
    public static func copyRuns<T>(_ source: UnsafeMutablePointer<T>, _ destination: UnsafeMutablePointer<T>,
                                   shape: [Int], _ a: [Int], _ b: [Int]) {
        let rank = shape.count
        // A transpose-like copy (destination contiguous on the last axis, source contiguous on
        // another): floats in 8x8 register blocks (`transposePlane`), other types in 16×16 tiles so
        // both sides stay in cache.
        if rank >= 2, b[rank - 1] == 1, a[rank - 1] != 1, let k = a.firstIndex(of: 1), k != rank - 1,
           shape[k] >= 8, shape[rank - 1] >= 8 {
            var outerShape = [Int](), outerA = [Int](), outerB = [Int]()
            for d in 0..<(rank - 1) where d != k {
                outerShape.append(shape[d]); outerA.append(a[d]); outerB.append(b[d])
            }
            outerShape.append(1); outerA.append(0); outerB.append(0)
            let rows = shape[k], cols = shape[rank - 1], rowStride = b[k], colStride = a[rank - 1]
            if T.self == Float.self {
                let floatSource = UnsafeMutableRawPointer(source).assumingMemoryBound(to: Float.self)
                let floatDestination = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Float.self)
                forEachRun(shape: outerShape, strides: outerA, outerB) { offA, offB in
                    transposePlane(floatSource + offA, sourceStride: colStride, rows: rows, columns: cols,
                                   into: floatDestination + offB, destinationStride: rowStride)
                }
                return
            }
            forEachRun(shape: outerShape, strides: outerA, outerB) { offA, offB in
                let src = source + offA, dst = destination + offB
                var i0 = 0
                while i0 < rows {
                    let i1 = min(i0 + 16, rows)
                    var j0 = 0
                    while j0 < cols {
                        let j1 = min(j0 + 16, cols)
                        for i in i0..<i1 {
                            let d = dst + i * rowStride, s = src + i
                            for j in j0..<j1 { d[j] = s[j * colStride] }
                        }
                        j0 = j1
                    }
                    i0 = i1
                }
            }
            return
        }
        let run = shape.last ?? 1
        let sa = a.last ?? 1, sb = b.last ?? 1
        forEachRun(shape: shape, strides: a, b) { offA, offB in
            let src = source + offA, dst = destination + offB
            if sa == 1 && sb == 1 {
                dst.update(from: src, count: run)
            } else {
                for i in 0..<run { dst[i * sb] = src[i * sa] }
            }
        }
    }

    /// Adds `shape`-many elements of `source` into `destination` (strides as in `stridedCopy`).
    ///
    /// Destination positions may repeat (zero strides); additions are sequential.
    public static func stridedAccumulate(from source: UnsafePointer<Float>, strides sourceStrides: [Int],
                                         to destination: UnsafeMutablePointer<Float>, strides destinationStrides: [Int],
                                         shape: [Int]) {
        if shape.contains(0) { return }
        let merged = mergedAxes(shape: shape, strides: sourceStrides, destinationStrides)
        let run = merged.shape.last ?? 1
        let sa = merged.a.last ?? 1, sb = merged.b.last ?? 1
        forEachRun(shape: merged.shape, strides: merged.a, merged.b) { offA, offB in
            let src = source + offA, dst = destination + offB
            if sa == 1 && sb == 1 {
                for i in 0..<run { dst[i] += src[i] }
            } else {
                for i in 0..<run { dst[i * sb] += src[i * sa] }
            }
        }
    }

    /// Writes `source` (row-major, `shape`) with its axes permuted by `perm` into `destination`.
    @inlinable
    public static func permute<T>(_ source: UnsafeBufferPointer<T>, shape: [Int], perm: [Int],
                                  into destination: UnsafeMutableBufferPointer<T>) {
        guard let src = source.baseAddress, let dst = destination.baseAddress else { return }
        let inStrides = rowMajorStrides(shape)
        let outShape = perm.map { shape[$0] }
        stridedCopy(from: src, strides: perm.map { inStrides[$0] }, to: dst,
                    strides: rowMajorStrides(outShape), shape: outShape)
    }

    /// Writes `source` into the block `[start, start+extent)` along an axis of extent `axisExtent`
    /// (the Concat layout); `outer` is the product of the dimensions before the axis, `inner` after it.
    @inlinable
    public static func insertBlock<T>(_ source: UnsafeBufferPointer<T>, axisExtent: Int, start: Int, extent: Int,
                                      outer: Int, inner: Int, into destination: UnsafeMutableBufferPointer<T>) {
        guard let src = source.baseAddress, let dst = destination.baseAddress, extent > 0 else { return }
        let block = extent * inner, total = axisExtent * inner
        stridedCopy(from: src, strides: [block, 1], to: dst + start * inner, strides: [total, 1], shape: [outer, block])
    }

    /// Extracts the block `[start, start+extent)` along an axis (the Split / Concat-backward layout).
    @inlinable
    public static func extractBlock<T>(_ source: UnsafeBufferPointer<T>, axisExtent: Int, start: Int, extent: Int,
                                       outer: Int, inner: Int, into destination: UnsafeMutableBufferPointer<T>) {
        guard let src = source.baseAddress, let dst = destination.baseAddress, extent > 0 else { return }
        let block = extent * inner, total = axisExtent * inner
        stridedCopy(from: src + start * inner, strides: [total, 1], to: dst, strides: [block, 1], shape: [outer, block])
    }

    /// Row-major strides for a shape.
    @inlinable
    public static func rowMajorStrides(_ shape: [Int]) -> [Int] { Tensor.strides(of: shape) }
}
