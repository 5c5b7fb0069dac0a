// The backward of broadcasting: gradients summed over the axes a value was broadcast along.

/// Sums `grad` over the axes along which a value of shape `toShape` was broadcast to `grad.shape`.
///
/// This is the backward of broadcasting: leading axes missing from `toShape` and axes where
/// `toShape` has extent 1 are summed out; the result has shape `toShape`. A `toShape` that does
/// not broadcast to `grad.shape` yields zeros of that shape.
public func reduceGradient(_ grad: Tensor, toShape: [Int]) -> Tensor {
    if grad.shape == toShape { return grad }
    let targetCount = toShape.reduce(1, *)
    if targetCount == grad.count { return grad.reshaped(toShape) }
    guard toShape.count <= grad.rank || toShape.prefix(toShape.count - grad.rank).allSatisfy({ $0 == 1 }) else {
        return Tensor(shape: toShape)
    }
    let trimmed = Array(toShape.suffix(min(toShape.count, grad.rank)))
    let padded = [Int](repeating: 1, count: grad.rank - trimmed.count) + trimmed
    for i in 0..<grad.rank where padded[i] != 1 && padded[i] != grad.shape[i] { return Tensor(shape: toShape) }
    var out = [Double](repeating: 0, count: targetCount)
    grad.scalars.withUnsafeBufferPointer { pg in
        out.withUnsafeMutableBufferPointer { po in
            if targetCount == 1 {
                po[0] = elementwiseParallelSum(pg)
            } else if let (outer, mid, inner) = BroadcastPlan.block(padded, out: grad.shape) {
                for o in 0..<outer {
                    for m in 0..<mid {
                        let base = (o * mid + m) * inner
                        if let p = pg.baseAddress { po[m] += Double(ReductionKernels.contiguousSum(p + base, inner)) }
                    }
                }
            } else {
                let shape = grad.shape, rank = shape.count
                let strides = broadcastStrides(padded, to: shape)
                let last = shape[rank - 1], ls = strides[rank - 1]
                var index = [Int](repeating: 0, count: rank)
                for row in 0..<(grad.count / max(1, last)) {
                    var offset = 0
                    for axis in 0..<(rank - 1) { offset += index[axis] * strides[axis] }
                    let base = row * last
                    for j in 0..<last { po[offset + j * ls] += Double(pg[base + j]) }
                    advance(&index, in: shape, lastAxis: rank - 2)
                }
            }
        }
    }
    return Tensor(shape: toShape, scalars: out.map { Float($0) })
}

/// Sum of a buffer in Double, chunked across cores for large buffers.
func elementwiseParallelSum(_ p: UnsafeBufferPointer<Float>) -> Double {
    let chunks = max(1, min(Parallel.workerCount, p.count / elementwiseGrain))
    var partial = [Double](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { pp in
        Parallel.forEachChunk(chunks) { r in
            for c in r {
                let start = p.count * c / chunks, end = p.count * (c + 1) / chunks
                var s: Double = 0
                var i = start
                while i < end {
                    let stop = min(end, i + 1024)
                    if let base = p.baseAddress { s += Double(ReductionKernels.contiguousSum(base + i, stop - i)) }
                    i = stop
                }
                pp[c] = s
            }
        }
    }
    return partial.reduce(0, +)
}

/// `reduceGradient(g * other, toShape:)` without the full-size product, when `other` has `g`'s shape
/// and the reduction sums contiguous blocks (`BroadcastPlan.block`): the gradient of a per-channel
/// scale, `Σ_hw g x` (squeeze-excitation, layer scale). Nil in the other cases (the caller falls back).
public func reduceProduct(_ g: Tensor, _ other: Tensor, toShape: [Int]) -> Tensor? {
    guard other.shape == g.shape, toShape.count <= g.rank, toShape.reduce(1, *) < g.count,
          let (outer, mid, inner) = BroadcastPlan.block(toShape, out: g.shape) else { return nil }
    var sums = [Double](repeating: 0, count: mid)
    g.scalars.withUnsafeBufferPointer { pg in
        other.scalars.withUnsafeBufferPointer { px in
            sums.withUnsafeMutableBufferPointer { ps in
                guard let gBase = pg.baseAddress, let xBase = px.baseAddress, let sBase = ps.baseAddress else { return }
                let (gs, xs, out) = (UncheckedBox(gBase), UncheckedBox(xBase), UncheckedBox(sBase))
                Parallel.forEachChunk(mid, grain: max(1, elementwiseGrain / max(1, inner * outer))) { range in
                    for m in range {
                        var total = 0.0
                        for o in 0..<outer {
                            let base = (o * mid + m) * inner
                            total += Double(ReductionKernels.contiguousDot(gs.value + base, xs.value + base, inner))
                        }
                        out.value[m] = total
                    }
                }
            }
        }
    }
    return Tensor(shape: toShape, scalars: sums.map { Float($0) })
}
