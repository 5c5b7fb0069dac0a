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
        var best = -Float.infinity
        var index = -1
        for i in r[1]..<r[2] {
            let rowBase = (r[0] + i * g.dilationHeight) * g.inWidth + c[0]
            for j in c[1]..<c[2] {
                let at = rowBase + j * g.dilationWidth
                let v = plane[at]
                if v > best || index < 0 { best = v; index = at }
            }
        }
        return index
    }

    /// Max pooling; windows covering no input give the lowest finite float.
    public func maxForward(_ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let g = geometry
        let x = UncheckedBox(input), y = SendablePointer(output)
        withTables { rowTable, columnTable in
            Parallel.forEachChunk(planes, grain: grain) { range in
                for p in range {
                    let plane = x.value + p * g.inPlane
                    let dst = y.base + p * g.outPlane
                    for oh in 0..<g.outHeight {
                        let r = rowTable + 4 * oh
                        for ow in 0..<g.outWidth {
                            let c = columnTable + 4 * ow
                            var best = -Float.infinity
                            for i in r[1]..<r[2] {
                                let rowBase = plane + (r[0] + i * g.dilationHeight) * g.inWidth + c[0]
                                for j in c[1]..<c[2] {
                                    let v = rowBase[j * g.dilationWidth]
                                    best = v > best ? v : best
                                }
                            }
                            let empty = r[1] == r[2] || c[1] == c[2]
                            dst[oh * g.outWidth + ow] = empty ? -Float.greatestFiniteMagnitude : best
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
        let g = geometry
        let x = UncheckedBox(input), y = SendablePointer(output)
        withTables { rowTable, columnTable in
            Parallel.forEachChunk(planes, grain: grain) { range in
                for p in range {
                    let plane = x.value + p * g.inPlane
                    let dst = y.base + p * g.outPlane
                    for oh in 0..<g.outHeight {
                        let r = rowTable + 4 * oh
                        for ow in 0..<g.outWidth {
                            let c = columnTable + 4 * ow
                            var total: Float = 0
                            for i in r[1]..<r[2] {
                                let rowBase = plane + (r[0] + i * g.dilationHeight) * g.inWidth + c[0]
                                for j in c[1]..<c[2] { total += rowBase[j * g.dilationWidth] }
                            }
                            dst[oh * g.outWidth + ow] = total * PoolingKernel.divisor(r, c, includePad: includePad)
                        }
                    }
                }
            }
        }
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
                    var total: Float = 0
                    for i in 0..<plane { total += base[i] }
                    y.base[p] = plane > 0 ? total / Float(plane) : 0
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
