/// How `LayoutKernels.pad` fills the border.
public enum PadMode: String, Sendable, Equatable {
    /// A constant value.
    case constant
    /// Mirror without repeating the edge element.
    case reflect
    /// Repeat the edge element.
    case edge
}

extension LayoutKernels {
    /// Resolves one ONNX slice axis: clamps `start`/`end` to `dim` for the step's direction.
    ///
    /// Returns the first index and the number of elements taken (`step` must be nonzero).
    public static func resolvedSlice(dim: Int, start: Int, end: Int, step: Int) -> (start: Int, count: Int) {
        var s = start < 0 ? start + dim : start
        var e = end < 0 ? end + dim : end
        if step > 0 {
            s = min(max(s, 0), dim)
            e = min(max(e, 0), dim)
            return (s, e > s ? (e - s + step - 1) / step : 0)
        } else {
            s = min(max(s, 0), dim - 1)
            e = min(max(e, -1), dim - 1)
            return (s, s > e ? (s - e + (-step) - 1) / (-step) : 0)
        }
    }

    /// Copies the strided window (per-axis first index, step, count) of `source` into `destination`.
    ///
    /// Steps may be negative; `destination` has shape `counts`.
    @inlinable
    public static func slice<T>(_ source: UnsafeBufferPointer<T>, shape: [Int], starts: [Int], steps: [Int],
                                counts: [Int], into destination: UnsafeMutableBufferPointer<T>) {
        guard let src = source.baseAddress, let dst = destination.baseAddress, !counts.contains(0) else { return }
        let strides = rowMajorStrides(shape)
        var offset = 0
        for axis in shape.indices { offset += starts[axis] * strides[axis] }
        stridedCopy(from: src + offset, strides: shape.indices.map { strides[$0] * steps[$0] },
                    to: dst, strides: rowMajorStrides(counts), shape: counts)
    }

    /// The transpose of `slice`: writes `gradient` (shape `counts`) into the window of a zeroed `destination`.
    public static func sliceBackward(_ gradient: UnsafeBufferPointer<Float>, inputShape: [Int], starts: [Int],
                                     steps: [Int], counts: [Int], into destination: UnsafeMutableBufferPointer<Float>) {
        guard let src = gradient.baseAddress, let dst = destination.baseAddress else { return }
        dst.update(repeating: 0, count: destination.count)
        guard !counts.contains(0) else { return }
        let strides = rowMajorStrides(inputShape)
        var offset = 0
        for axis in inputShape.indices { offset += starts[axis] * strides[axis] }
        stridedCopy(from: src, strides: rowMajorStrides(counts), to: dst + offset,
                    strides: inputShape.indices.map { strides[$0] * steps[$0] }, shape: counts)
    }

    /// The source index along an axis of length `length` for padded position `i` (relative to the
    /// first interior element), under `mode` (reflect or edge).
    public static func padSourceIndex(_ i: Int, length: Int, mode: PadMode) -> Int {
        if i >= 0 && i < length { return i }
        switch mode {
        case .edge, .constant: return i < 0 ? 0 : length - 1
        case .reflect:
            guard length > 1 else { return 0 }
            let period = 2 * (length - 1)
            var j = i % period
            if j < 0 { j += period }
            return j < length ? j : period - j
        }
    }

    /// Pads `source` (shape `shape`) by non-negative `before`/`after` amounts per axis into `destination`.
    ///
    /// `destination` has shape `shape[d] + before[d] + after[d]`. Reflect mode needs every pad
    /// smaller than its axis; the caller validates.
    @inlinable
    public static func pad<T>(_ source: UnsafeBufferPointer<T>, shape: [Int], before: [Int], after: [Int],
                              mode: PadMode, value: T, into destination: UnsafeMutableBufferPointer<T>) {
        guard let dst = destination.baseAddress else { return }
        let outShape = shape.indices.map { shape[$0] + before[$0] + after[$0] }
        let outStrides = rowMajorStrides(outShape)
        var interior = 0
        for axis in shape.indices { interior += before[axis] * outStrides[axis] }
        guard let src = source.baseAddress, !shape.contains(0) else {
            dst.update(repeating: value, count: destination.count)
            return
        }
        stridedCopy(from: src, strides: rowMajorStrides(shape), to: dst + interior, strides: outStrides, shape: shape)
        if mode == .constant {
            // The border, as disjoint slabs: for each axis, interior on earlier axes and everything on later ones.
            for axis in shape.indices where before[axis] + after[axis] > 0 {
                var region = [Int](), base = 0
                for d in shape.indices {
                    if d < axis {
                        region.append(shape[d])
                        base += before[d] * outStrides[d]
                    } else {
                        region.append(outShape[d])
                    }
                }
                region[axis] = before[axis]
                stridedFill(dst + base, strides: outStrides, shape: region, value: value)
                region[axis] = after[axis]
                stridedFill(dst + base + (before[axis] + shape[axis]) * outStrides[axis], strides: outStrides,
                            shape: region, value: value)
            }
            return
        }
        for axis in shape.indices where before[axis] + after[axis] > 0 {
            let plan = padBorderPlan(axis: axis, shape: shape, outShape: outShape, before: before,
                                     outStrides: outStrides, mode: mode)
            for (p, q) in plan.pairs {
                stridedCopy(from: UnsafePointer(dst + plan.base + q * outStrides[axis]), strides: outStrides,
                            to: dst + plan.base + p * outStrides[axis], strides: outStrides, shape: plan.region)
            }
        }
    }

    /// Sets `shape`-many strided elements of `destination` to `value`.
    @inlinable
    public static func stridedFill<T>(_ destination: UnsafeMutablePointer<T>, strides: [Int], shape: [Int], value: T) {
        if shape.contains(0) { return }
        let merged = mergedAxes(shape: shape, strides: strides, strides)
        let run = merged.shape.last ?? 1, step = merged.a.last ?? 1
        forEachRun(shape: merged.shape, strides: merged.a, merged.b) { offset, _ in
            let dst = destination + offset
            if step == 1 {
                dst.update(repeating: value, count: run)
            } else {
                for i in 0..<run { dst[i * step] = value }
            }
        }
    }

    /// The transpose of `pad`: sums the gradient of the padded tensor back onto the input's positions.
    public static func padBackward(_ gradient: UnsafeBufferPointer<Float>, inputShape shape: [Int], before: [Int],
                                   after: [Int], mode: PadMode, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let dst = destination.baseAddress, !shape.contains(0) else { return }
        let outShape = shape.indices.map { shape[$0] + before[$0] + after[$0] }
        let outStrides = rowMajorStrides(outShape)
        var interior = 0
        for axis in shape.indices { interior += before[axis] * outStrides[axis] }
        var work = Array(gradient)
        work.withUnsafeMutableBufferPointer { g in
            guard let g = g.baseAddress else { return }
            if mode != .constant {
                for axis in shape.indices.reversed() where before[axis] + after[axis] > 0 {
                    let plan = padBorderPlan(axis: axis, shape: shape, outShape: outShape, before: before,
                                             outStrides: outStrides, mode: mode)
                    for (p, q) in plan.pairs {
                        stridedAccumulate(from: UnsafePointer(g + plan.base + p * outStrides[axis]), strides: outStrides,
                                          to: g + plan.base + q * outStrides[axis], strides: outStrides, shape: plan.region)
                    }
                }
            }
            stridedCopy(from: UnsafePointer(g + interior), strides: outStrides, to: dst,
                        strides: rowMajorStrides(shape), shape: shape)
        }
    }

    /// Border copies for one axis: (padded position, source position) pairs in output coordinates,
    /// the region they move (full extent on earlier axes, interior on later ones) and its base offset.
    public static func padBorderPlan(axis: Int, shape: [Int], outShape: [Int], before: [Int], outStrides: [Int],
                                     mode: PadMode) -> (pairs: [(Int, Int)], region: [Int], base: Int) {
        var region = [Int](), base = 0
        for d in shape.indices {
            if d < axis { region.append(outShape[d]) } else if d == axis { region.append(1) } else {
                region.append(shape[d])
                base += before[d] * outStrides[d]
            }
        }
        var pairs = [(Int, Int)]()
        for p in 0..<outShape[axis] where p < before[axis] || p >= before[axis] + shape[axis] {
            pairs.append((p, before[axis] + padSourceIndex(p - before[axis], length: shape[axis], mode: mode)))
        }
        return (pairs, region, base)
    }
}
