/// Window bounds along one axis, precomputed once per call for every output position.
public struct PoolingAxisBounds: Sendable {
    /// Input coordinate of tap 0 of each output's window.
    public var start: [Int]
    /// First tap inside the input.
    public var lo: [Int]
    /// One past the last tap inside the input.
    public var hi: [Int]
    /// Taps inside the padded input (for `count_include_pad`).
    public var paddedCount: [Int]

    /// Bounds of `outCount` windows of `kernel` taps over `inExtent` inputs.
    public init(outCount: Int, inExtent: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int) {
        func taps(from s: Int, below limit: Int, above floor: Int) -> (Int, Int) {
            // Taps t in 0..<kernel with floor <= s + t*dilation < limit.
            let lo = s >= floor ? 0 : (floor - s + dilation - 1) / dilation
            let hi = limit - s <= 0 ? 0 : min(kernel, (limit - s + dilation - 1) / dilation)
            return (min(lo, kernel), max(min(lo, kernel), hi))
        }
        start = []; lo = []; hi = []; paddedCount = []
        for o in 0..<outCount {
            let s = o * stride - padBegin
            let (l, h) = taps(from: s, below: inExtent, above: 0)
            let (pl, ph) = taps(from: s, below: inExtent + padEnd, above: -padBegin)
            start.append(s); lo.append(l); hi.append(h); paddedCount.append(ph - pl)
        }
    }
}

/// 2-D NCHW max and average pooling loops, parallel over (image, channel) planes.
///
/// The geometry's channels are the planes (`inChannels == outChannels`); `padTop`/`padLeft`
/// are the leading pads, `padBottom`/`padRight` the trailing ones (for `count_include_pad`).
/// Window bounds are precomputed into one flat table read through raw pointers in the loops.
public struct PoolingKernel: Sendable {
    public var geometry: ConvolutionGeometry
    public var rows: PoolingAxisBounds
    public var columns: PoolingAxisBounds
    /// Per output row, then per output column: (start, lo, hi, padded count); never empty.
    private let table: [Int]

    public init(geometry g: ConvolutionGeometry, padBottom: Int, padRight: Int) {
        geometry = g
        rows = PoolingAxisBounds(outCount: g.outHeight, inExtent: g.inHeight, kernel: g.kernelHeight,
                                 stride: g.strideHeight, dilation: g.dilationHeight, padBegin: g.padTop, padEnd: padBottom)
        columns = PoolingAxisBounds(outCount: g.outWidth, inExtent: g.inWidth, kernel: g.kernelWidth,
                                    stride: g.strideWidth, dilation: g.dilationWidth, padBegin: g.padLeft, padEnd: padRight)
        var flat = [Int]()
        for axis in [rows, columns] {
            for o in axis.start.indices { flat += [axis.start[o], axis.lo[o], axis.hi[o], axis.paddedCount[o]] }
        }
        table = flat + [0, 0, 0, 0]
    }

    private var planes: Int { geometry.batch * geometry.inChannels }
    private var grain: Int { max(1, (1 << 14) / max(1, geometry.outPlane * geometry.kernelHeight * geometry.kernelWidth)) }

    /// Runs `body(rowTable, columnTable)` with raw views of the bounds (4 Ints per output index).
    private func withTables(_ body: (UnsafePointer<Int>, UnsafePointer<Int>) -> Void) {
        table.withUnsafeBufferPointer { t in
            guard let base = t.baseAddress else { return }
            body(base, base + 4 * geometry.outHeight)
        }
    }

    /// Index (within the plane) of the first maximum of a window, or -1 when it covers no input.
    @inline(__always)
    private static func argmax(_ plane: UnsafePointer<Float>, _ r: UnsafePointer<Int>, _ c: UnsafePointer<Int>,
                               _ g: ConvolutionGeometry) -> Int {
        guard r[1] < r[2], c[1] < c[2] else { return -1 }
        var index = (r[0] + r[1] * g.dilationHeight) * g.inWidth + c[0] + c[1] * g.dilationWidth
        var best = plane[index]
        for i in r[1]..<r[2] {
            let rowBase = (r[0] + i * g.dilationHeight) * g.inWidth + c[0]
            for j in c[1]..<c[2] {
                let at = rowBase + j * g.dilationWidth
                let v = plane[at]
                let better = v > best // strict: ties keep the earlier tap
                best = better ? v : best
                index = better ? at : index
            }
        }
        return index
    }

    /// Max pooling; windows covering no input give the lowest finite float.
    public func maxForward(_ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        separableForward(input, max: true, includePad: false, output: output)
    }

    /// Separable window reduction: each input row is reduced over the column windows into a
    /// `[inHeight][outWidth]` buffer, then the rows of each window are combined with loops
    /// that run along whole output rows (vectorised).
    private func separableForward(_ input: UnsafePointer<Float>, max useMax: Bool, includePad: Bool,
                                  output: UnsafeMutablePointer<Float>) {
        let g = geometry
        let x = UncheckedBox(input), y = SendablePointer(output)
        let (outW, inW) = (g.outWidth, g.inWidth)
        let identity: Float = useMax ? -Float.infinity : 0
        let full = (0..<outW).filter { columns.lo[$0] == 0 && columns.hi[$0] == g.kernelWidth }
        let interior = full.isEmpty ? 0..<0 : (full[0]..<(full[full.count - 1] + 1))
        withTables { rowTable, columnTable in
            Parallel.forEachChunk(planes, grain: grain) { range in
                let partial = UnsafeMutablePointer<Float>.allocate(capacity: max(1, g.inHeight * outW))
                let scale = UnsafeMutablePointer<Float>.allocate(capacity: max(1, outW))
                defer { partial.deallocate(); scale.deallocate() }
                for p in range {
                    let plane = x.value + p * g.inPlane
                    for h in 0..<g.inHeight {
                        let src = plane + h * inW
                        let dst = partial + h * outW
                        // Interior windows (all taps inside): tap-major loops along the row.
                        if interior.count > 0 {
                            let base = src - g.padLeft
                            for ow in interior { dst[ow] = base[ow * g.strideWidth] }
                            for j in 1..<max(1, g.kernelWidth) {
                                let tap = base + j * g.dilationWidth
                                if useMax {
                                    for ow in interior { let v = tap[ow * g.strideWidth]; dst[ow] = v > dst[ow] ? v : dst[ow] }
                                } else {
                                    for ow in interior { dst[ow] += tap[ow * g.strideWidth] }
                                }
                            }
                        }
                        for ow in 0..<outW where !interior.contains(ow) {
                            let c = columnTable + 4 * ow
                            var acc = identity
                            if useMax {
                                for j in c[1]..<c[2] { let v = src[c[0] + j * g.dilationWidth]; acc = v > acc ? v : acc }
                            } else {
                                for j in c[1]..<c[2] { acc += src[c[0] + j * g.dilationWidth] }
                            }
                            dst[ow] = acc
                        }
                    }
                    let out = y.base + p * g.outPlane
                    for oh in 0..<g.outHeight {
                        let r = rowTable + 4 * oh
                        let dst = out + oh * outW
                        for ow in 0..<outW { dst[ow] = identity }
                        for i in r[1]..<r[2] {
                            let src = partial + (r[0] + i * g.dilationHeight) * outW
                            if useMax {
                                for ow in 0..<outW { dst[ow] = src[ow] > dst[ow] ? src[ow] : dst[ow] }
                            } else {
                                for ow in 0..<outW { dst[ow] += src[ow] }
                            }
                        }
                        if useMax {
                            if r[1] == r[2] { for ow in 0..<outW { dst[ow] = -Float.greatestFiniteMagnitude } }
                            for ow in 0..<outW where columnTable[4 * ow + 1] == columnTable[4 * ow + 2] {
                                dst[ow] = -Float.greatestFiniteMagnitude
                            }
                        } else {
                            for ow in 0..<outW { scale[ow] = PoolingKernel.divisor(r, columnTable + 4 * ow, includePad: includePad) }
                            for ow in 0..<outW { dst[ow] *= scale[ow] }
                        }
                    }
                }
            }
        }
    }

    /// Routes each output gradient to the first maximum of its window (gradInput overwritten).
    public func maxBackward(_ input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                            gradInput: UnsafeMutablePointer<Float>) {
        let g = geometry
        let x = UncheckedBox(input), dy = UncheckedBox(gradOutput), dx = SendablePointer(gradInput)
        withTables { rowTable, columnTable in
            Parallel.forEachChunk(planes, grain: grain) { range in
                for p in range {
                    let plane = x.value + p * g.inPlane
                    let grad = dy.value + p * g.outPlane
                    let dst = dx.base + p * g.inPlane
                    dst.update(repeating: 0, count: g.inPlane)
                    for oh in 0..<g.outHeight {
                        for ow in 0..<g.outWidth {
                            let index = PoolingKernel.argmax(plane, rowTable + 4 * oh, columnTable + 4 * ow, g)
                            if index >= 0 { dst[index] += grad[oh * g.outWidth + ow] }
                        }
                    }
                }
            }
        }
    }

    /// 1 / (number of taps averaged) for a window.
    @inline(__always)
    private static func divisor(_ r: UnsafePointer<Int>, _ c: UnsafePointer<Int>, includePad: Bool) -> Float {
        let taps = includePad ? r[3] * c[3] : (r[2] - r[1]) * (c[2] - c[1])
        return taps > 0 ? 1 / Float(taps) : 0
    }

    /// Average pooling; the divisor counts in-input taps, or in-padded-input taps with `includePad`.
    public func averageForward(_ input: UnsafePointer<Float>, includePad: Bool, output: UnsafeMutablePointer<Float>) {
        separableForward(input, max: false, includePad: includePad, output: output)
    }

    /// Spreads each output gradient uniformly over its window (gradInput overwritten).
    public func averageBackward(gradOutput: UnsafePointer<Float>, includePad: Bool,
                                gradInput: UnsafeMutablePointer<Float>) {
        let g = geometry
        let dy = UncheckedBox(gradOutput), dx = SendablePointer(gradInput)
        withTables { rowTable, columnTable in
            Parallel.forEachChunk(planes, grain: grain) { range in
                for p in range {
                    let grad = dy.value + p * g.outPlane
                    let dst = dx.base + p * g.inPlane
                    dst.update(repeating: 0, count: g.inPlane)
                    for oh in 0..<g.outHeight {
                        let r = rowTable + 4 * oh
                        for ow in 0..<g.outWidth {
                            let c = columnTable + 4 * ow
                            let share = grad[oh * g.outWidth + ow] * PoolingKernel.divisor(r, c, includePad: includePad)
                            for i in r[1]..<r[2] {
                                let rowBase = dst + (r[0] + i * g.dilationHeight) * g.inWidth + c[0]
                                for j in c[1]..<c[2] { rowBase[j * g.dilationWidth] += share }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Global pooling over contiguous planes (each of `plane` elements).
public enum GlobalPooling {
    /// Mean (or max) of each plane into `output[planes]`.
    public static func reduce(_ input: UnsafePointer<Float>, planes: Int, plane: Int, max useMax: Bool,
                              output: UnsafeMutablePointer<Float>) {
        let x = UncheckedBox(input), y = SendablePointer(output)
        Parallel.forEachChunk(planes, grain: max(1, (1 << 15) / max(1, plane))) { range in
            for p in range {
                let base = x.value + p * plane
                if useMax {
                    var best = plane > 0 ? base[0] : -Float.greatestFiniteMagnitude
                    for i in 0..<plane where base[i] > best { best = base[i] }
                    y.base[p] = best
                } else {
                    y.base[p] = plane > 0 ? ReductionKernels.contiguousSum(base, plane) / Float(plane) : 0
                }
            }
        }
    }

    /// Gradient of `reduce`: uniform share for the mean, first maximum for the max (gradInput overwritten).
    public static func backward(_ input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, planes: Int, plane: Int,
                                max useMax: Bool, gradInput: UnsafeMutablePointer<Float>) {
        let x = UncheckedBox(input), dy = UncheckedBox(gradOutput), dx = SendablePointer(gradInput)
        Parallel.forEachChunk(planes, grain: max(1, (1 << 15) / max(1, plane))) { range in
            for p in range {
                let base = x.value + p * plane
                let dst = dx.base + p * plane
                let g = dy.value[p]
                if useMax {
                    dst.update(repeating: 0, count: plane)
                    guard plane > 0 else { continue }
                    var best = base[0], index = 0
                    for i in 0..<plane where base[i] > best { best = base[i]; index = i }
                    dst[index] = g
                } else {
                    dst.update(repeating: plane > 0 ? g / Float(plane) : 0, count: plane)
                }
            }
        }
    }
}
