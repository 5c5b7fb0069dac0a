/// How an output coordinate maps back to an input coordinate (ONNX `coordinate_transformation_mode`).
public enum ResizeCoordinateMode: String, Sendable, Equatable {
    case halfPixel = "half_pixel"
    case asymmetric = "asymmetric"
    case alignCorners = "align_corners"
    case pytorchHalfPixel = "pytorch_half_pixel"

    /// The input coordinate of output position `x` along an axis.
    public func source(_ x: Int, scale: Float, inLength: Int, outLength: Int) -> Float {
        let xf = Float(x)
        switch self {
        case .halfPixel: return (xf + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return outLength > 1 ? (xf + 0.5) / scale - 0.5 : 0
        case .asymmetric: return xf / scale
        case .alignCorners:
            return outLength > 1 ? xf * Float(inLength - 1) / Float(outLength - 1) : 0
        }
    }
}

/// How a fractional input coordinate picks a pixel in nearest mode (ONNX `nearest_mode`).
public enum ResizeNearestMode: String, Sendable, Equatable {
    case roundPreferFloor = "round_prefer_floor"
    case roundPreferCeil = "round_prefer_ceil"
    case floor = "floor"
    case ceil = "ceil"

    /// The integer coordinate chosen for `x` (before clamping).
    public func pick(_ x: Float) -> Int {
        switch self {
        case .floor: return Tensor.clampedInt(x.rounded(.down))
        case .ceil: return Tensor.clampedInt(x.rounded(.up))
        case .roundPreferFloor:
            return Tensor.clampedInt(x - x.rounded(.down) == 0.5 ? x.rounded(.down) : x.rounded())
        case .roundPreferCeil:
            return Tensor.clampedInt(x - x.rounded(.down) == 0.5 ? x.rounded(.up) : x.rounded())
        }
    }
}

/// Interpolation weights along one axis for linear resizing: out[i] = (1-w[i])·in[lo[i]] + w[i]·in[hi[i]].
public struct LinearAxisWeights: Sendable, Equatable {
    public var lo: [Int]
    public var hi: [Int]
    public var w: [Float]
}

/// Nearest and bilinear resampling kernels (forward and transposed).
public enum ResizeKernels {
    /// Source index along one axis for every output position in nearest mode (clamped into range).
    public static func nearestIndices(inLength: Int, outLength: Int, scale: Float, coordinate: ResizeCoordinateMode,
                                      nearest: ResizeNearestMode) -> [Int] {
        (0..<outLength).map { x in
            let i = nearest.pick(coordinate.source(x, scale: scale, inLength: inLength, outLength: outLength))
            return min(max(i, 0), max(inLength - 1, 0))
        }
    }

    /// Interpolation weights along one axis in linear mode (coordinates clamped to the input).
    public static func linearWeights(inLength: Int, outLength: Int, scale: Float,
                                     coordinate: ResizeCoordinateMode) -> LinearAxisWeights {
        var result = LinearAxisWeights(lo: [], hi: [], w: [])
        for x in 0..<outLength {
            var s = coordinate.source(x, scale: scale, inLength: inLength, outLength: outLength)
            s = min(max(s, 0), Float(max(inLength - 1, 0)))
            let lo = min(Int(s), max(inLength - 1, 0))
            result.lo.append(lo)
            result.hi.append(min(lo + 1, max(inLength - 1, 0)))
            result.w.append(s - Float(lo))
        }
        return result
    }

    /// Gathers `source` (shape `shape`) into `destination` (shape `indices.map(\.count)`) by per-axis index maps.
    public static func nearest(_ source: UnsafeBufferPointer<Float>, shape: [Int], indices: [[Int]],
                               into destination: UnsafeMutableBufferPointer<Float>) {
        nearestWalk(shape: shape, indices: indices, source.baseAddress, destination.baseAddress, forward: true)
    }

    /// The transpose of `nearest`: sums output gradients onto the source positions they were copied from.
    public static func nearestBackward(_ gradient: UnsafeBufferPointer<Float>, shape: [Int], indices: [[Int]],
                                       into destination: UnsafeMutableBufferPointer<Float>) {
        guard let dst = destination.baseAddress else { return }
        dst.update(repeating: 0, count: destination.count)
        nearestWalk(shape: shape, indices: indices, gradient.baseAddress, dst, forward: false)
    }

    private static func nearestWalk(shape: [Int], indices: [[Int]], _ a: UnsafePointer<Float>?,
                                    _ b: UnsafeMutablePointer<Float>?, forward: Bool) {
        guard let a, let b, !shape.isEmpty else { return }
        let outShape = indices.map(\.count)
        if outShape.contains(0) || shape.contains(0) { return }
        let inStrides = LayoutKernels.rowMajorStrides(shape)
        let rank = shape.count
        let rows = outShape.dropLast().reduce(1, *), width = outShape[rank - 1]
        let lastMap = indices[rank - 1]
        let src = SendablePointer(UnsafeMutablePointer(mutating: a)), dst = SendablePointer(b)
        // Backward scatters may collide across rows, so only the forward gather runs in parallel.
        let grain = forward ? max(1, 32_768 / width) : Int.max
        Parallel.forEachChunk(rows, grain: grain) { range in
            var counter = [Int](repeating: 0, count: rank - 1)
            var rest = range.lowerBound
            for d in stride(from: rank - 2, through: 0, by: -1) {
                counter[d] = rest % outShape[d]
                rest /= outShape[d]
            }
            lastMap.withUnsafeBufferPointer { map in
                for row in range {
                    var inOff = 0
                    for d in 0..<(rank - 1) { inOff += indices[d][counter[d]] * inStrides[d] }
                    let outOff = row * width
                    if forward {
                        for i in 0..<width { dst.base[outOff + i] = src.base[inOff + map[i]] }
                    } else {
                        for i in 0..<width { dst.base[inOff + map[i]] += src.base[outOff + i] }
                    }
                    advance(&counter, in: outShape, lastAxis: rank - 2)
                }
            }
        }
    }

    /// Bilinear resampling of `planes` independent H×W planes with per-axis weights.
    public static func bilinear(_ source: UnsafeBufferPointer<Float>, planes: Int, inHeight: Int, inWidth: Int,
                                rows: LinearAxisWeights, columns: LinearAxisWeights,
                                into destination: UnsafeMutableBufferPointer<Float>) {
        guard let a = source.baseAddress, let b = destination.baseAddress else { return }
        let src = SendablePointer(UnsafeMutablePointer(mutating: a)), dst = SendablePointer(b)
        let outH = rows.w.count, outW = columns.w.count
        Parallel.forEachChunk(planes, grain: max(1, 32_768 / max(1, outH * outW))) { range in
            for plane in range {
                let s = src.base + plane * inHeight * inWidth, d = dst.base + plane * outH * outW
                for y in 0..<outH {
                    let r0 = s + rows.lo[y] * inWidth, r1 = s + rows.hi[y] * inWidth, wy = rows.w[y]
                    for x in 0..<outW {
                        let l = columns.lo[x], h = columns.hi[x], wx = columns.w[x]
                        let top = r0[l] + (r0[h] - r0[l]) * wx
                        let bottom = r1[l] + (r1[h] - r1[l]) * wx
                        d[y * outW + x] = top + (bottom - top) * wy
                    }
                }
            }
        }
    }

    /// The transpose of `bilinear`: spreads each output gradient onto its four source pixels.
    public static func bilinearBackward(_ gradient: UnsafeBufferPointer<Float>, planes: Int, inHeight: Int, inWidth: Int,
                                        rows: LinearAxisWeights, columns: LinearAxisWeights,
                                        into destination: UnsafeMutableBufferPointer<Float>) {
        guard let a = gradient.baseAddress, let b = destination.baseAddress else { return }
        b.update(repeating: 0, count: destination.count)
        let src = SendablePointer(UnsafeMutablePointer(mutating: a)), dst = SendablePointer(b)
        let outH = rows.w.count, outW = columns.w.count
        Parallel.forEachChunk(planes, grain: max(1, 32_768 / max(1, outH * outW))) { range in
            for plane in range {
                let g = src.base + plane * outH * outW, d = dst.base + plane * inHeight * inWidth
                for y in 0..<outH {
                    let r0 = d + rows.lo[y] * inWidth, r1 = d + rows.hi[y] * inWidth, wy = rows.w[y]
                    for x in 0..<outW {
                        let l = columns.lo[x], h = columns.hi[x], wx = columns.w[x]
                        let v = g[y * outW + x]
                        let top = v * (1 - wy), bottom = v * wy
                        r0[l] += top * (1 - wx); r0[h] += top * wx
                        r1[l] += bottom * (1 - wx); r1[h] += bottom * wx
                    }
                }
            }
        }
    }
}
