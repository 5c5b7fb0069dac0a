/// Reductions over a set of axes of a row-major tensor, and their transposes.
///
/// Outputs use the keep-dims layout (reduced axes have extent 1), which has the same element
/// order as the squeezed layout. Inputs are walked in row-major order, so "first" means first in
/// that order.
public enum ReductionKernels {
    /// The keep-dims output shape for `shape` with `reduced` axes.
    public static func keptShape(_ shape: [Int], reduced: [Bool]) -> [Int] {
        shape.indices.map { reduced[$0] ? 1 : shape[$0] }
    }

    /// Merged iteration over the input with output strides (0 on reduced axes).
    static func plan(shape: [Int], reduced: [Bool]) -> (shape: [Int], input: [Int], output: [Int]) {
        let inStrides = LayoutKernels.rowMajorStrides(shape)
        let outStrides = LayoutKernels.rowMajorStrides(keptShape(shape, reduced: reduced))
        let merged = LayoutKernels.mergedAxes(shape: shape, strides: inStrides,
                                              shape.indices.map { reduced[$0] ? 0 : outStrides[$0] })
        return (merged.shape, merged.a, merged.b)
    }

    /// Runs `body(runShape, inputOffset, outputOffset)` over parts of the merged iteration, in
    /// parallel over the first merged axis when it is kept (so parts write disjoint outputs).
    static func partitioned(_ plan: (shape: [Int], input: [Int], output: [Int]),
                            _ body: @escaping @Sendable ([Int], Int, Int) -> Void) {
        let total = plan.shape.reduce(1, *)
        guard plan.shape.count > 1, plan.output[0] != 0, total >= 65_536 else {
            body(plan.shape, 0, 0)
            return
        }
        let first = plan.shape[0]
        Parallel.forEachChunk(first, grain: Swift.max(1, first * 32_768 / total)) { range in
            var sub = plan.shape
            sub[0] = range.count
            body(sub, range.lowerBound * plan.input[0], range.lowerBound * plan.output[0])
        }
    }

    /// Sums `source` over the `reduced` axes into `destination` (keep-dims element count), times `scale`.
    public static func sum(_ source: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool], scale: Float = 1,
                           into destination: UnsafeMutableBufferPointer<Float>) {
        guard let dstBase = destination.baseAddress else { return }
        dstBase.update(repeating: 0, count: destination.count)
        guard let srcBase = source.baseAddress, !shape.contains(0) else { return }
        let p = plan(shape: shape, reduced: reduced)
        let src = SendablePointer(UnsafeMutablePointer(mutating: srcBase)), dst = SendablePointer(dstBase)
        partitioned(p) { runShape, inOff, outOff in
            let run = runShape.last ?? 1, sb = p.output.last ?? 1
            let strideA = Array(p.input.prefix(runShape.count)), strideB = Array(p.output.prefix(runShape.count))
            LayoutKernels.forEachRun(shape: runShape, strides: strideA, strideB) { a, b in
                let s = src.base + inOff + a, d = dst.base + outOff + b
                if sb == 0 {
                    d[0] += contiguousSum(s, run)
                } else {
                    for i in 0..<run { d[i * sb] += s[i] }
                }
            }
        }
        if scale != 1 { for i in 0..<destination.count { dstBase[i] *= scale } }
    }

    /// Sum of `count` contiguous floats with eight-lane accumulators (vectorizes; pairwise-ish rounding).
    @inline(__always)
    static func contiguousSum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// `Σ a[i] b[i]` over `count` contiguous floats with sixteen lanes of fused multiply-adds (vectorizes;
    /// a single running sum is one dependent add per element, about ten times slower).
    @inline(__always)
    static func contiguousDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var low = SIMD8<Float>(), high = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            low = low.addingProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self),
                                    UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            high = high.addingProduct(UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self),
                                      UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            i += 16
        }
        var total = (low + high).sum()
        while i < count {
            total = total.addingProduct(a[i], b[i])
            i += 1
        }
        return total
    }

    /// Maximum of `source` over the `reduced` axes; `argmax` (same count as `destination`) receives
    /// the flat input index of the first maximum of each output element.
    public static func max(_ source: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool],
                           into destination: UnsafeMutableBufferPointer<Float>, argmax: UnsafeMutableBufferPointer<Int>) {
        guard let dstBase = destination.baseAddress, let argBase = argmax.baseAddress else { return }
        dstBase.update(repeating: -.infinity, count: destination.count)
        argBase.update(repeating: -1, count: argmax.count)
        guard let srcBase = source.baseAddress, !shape.contains(0) else { return }
        let p = plan(shape: shape, reduced: reduced)
        let src = SendablePointer(UnsafeMutablePointer(mutating: srcBase)), dst = SendablePointer(dstBase)
        let arg = SendablePointer(argBase)
        partitioned(p) { runShape, inOff, outOff in
            let run = runShape.last ?? 1, sb = p.output.last ?? 1
            let strideA = Array(p.input.prefix(runShape.count)), strideB = Array(p.output.prefix(runShape.count))
            LayoutKernels.forEachRun(shape: runShape, strides: strideA, strideB) { a, b in
                let base = inOff + a
                let s = src.base + base, d = dst.base + outOff + b, g = arg.base + outOff + b
                for i in 0..<run {
                    let v = s[i], o = i * sb
                    if v > d[o] || g[o] < 0 { d[o] = v; g[o] = base + i }
                }
            }
        }
    }

    /// Spreads `gradient` (keep-dims layout) over every input position it was reduced from, times `scale`.
    public static func broadcastBack(_ gradient: UnsafeBufferPointer<Float>, shape: [Int], reduced: [Bool],
                                     scale: Float, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let gBase = gradient.baseAddress, let dstBase = destination.baseAddress, !shape.contains(0) else { return }
        let p = plan(shape: shape, reduced: reduced)
        let g = SendablePointer(UnsafeMutablePointer(mutating: gBase)), dst = SendablePointer(dstBase)
        partitioned(p) { runShape, inOff, outOff in
            let run = runShape.last ?? 1, sb = p.output.last ?? 1
            let strideA = Array(p.input.prefix(runShape.count)), strideB = Array(p.output.prefix(runShape.count))
            LayoutKernels.forEachRun(shape: runShape, strides: strideA, strideB) { a, b in
                let d = dst.base + inOff + a, s = g.base + outOff + b
                for i in 0..<run { d[i] = s[i * sb] * scale }
            }
        }
    }

    /// Routes each gradient element to its recorded `argmax` input position (zeros elsewhere).
    public static func scatterToArgmax(_ gradient: UnsafeBufferPointer<Float>, argmax: UnsafeBufferPointer<Int>,
                                       into destination: UnsafeMutableBufferPointer<Float>) {
        guard let dst = destination.baseAddress else { return }
        dst.update(repeating: 0, count: destination.count)
        for j in 0..<min(gradient.count, argmax.count) where argmax[j] >= 0 { dst[argmax[j]] += gradient[j] }
    }
}
