/// Unfolds one channel plane into its `kernelHeight * kernelWidth` im2col rows.
///
/// `plane` is one `inHeight x inWidth` input channel; row `(i*kW + j)` of the result starts at
/// `col + (i*kW + j) * ldCol` and receives the `outPlane` input values under kernel tap (i, j),
/// zero where the tap falls in the padding.
public func im2colPlane(_ plane: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                        col: UnsafeMutablePointer<Float>, ldCol: Int) {
    let (outW, inW) = (g.outWidth, g.inWidth)
    let (sh, sw) = (g.strideHeight, g.strideWidth)
    g.forEachTap { tap, rows, cols, rowOffset, colOffset in
        let row = col + tap * ldCol
        if rows.lowerBound > 0 { row.update(repeating: 0, count: rows.lowerBound * outW) }
        if rows.upperBound < g.outHeight {
            (row + rows.upperBound * outW).update(repeating: 0, count: (g.outHeight - rows.upperBound) * outW)
        }
        let (lo, hi) = (cols.lowerBound, cols.upperBound)
        if sh == 1 && sw == 1 && colOffset == 0 && lo == 0 && hi == outW && inW == outW {
            // Whole rows line up with the input: one contiguous block.
            (row + rows.lowerBound * outW).update(from: plane + (rows.lowerBound + rowOffset) * inW,
                                                  count: rows.count * outW)
            return
        }
        for oh in rows {
            // Short rows: plain loops beat memcpy/memset calls per row.
            let dst = row + oh * outW
            let src = plane + (oh * sh + rowOffset) * inW + colOffset
            var ow = 0
            while ow < lo { dst[ow] = 0; ow += 1 }
            if sw == 1 {
                while ow < hi { dst[ow] = src[ow]; ow += 1 }
            } else {
                while ow < hi { dst[ow] = src[ow * sw]; ow += 1 }
            }
            while ow < outW { dst[ow] = 0; ow += 1 }
        }
    }
}

/// Folds im2col rows back onto one channel plane, adding (the adjoint of `im2colPlane`).
public func col2imPlane(_ col: UnsafePointer<Float>, ldCol: Int, geometry g: ConvolutionGeometry,
                        plane: UnsafeMutablePointer<Float>) {
    let (outW, inW) = (g.outWidth, g.inWidth)
    let (sh, sw) = (g.strideHeight, g.strideWidth)
    g.forEachTap { tap, rows, cols, rowOffset, colOffset in
        let row = col + tap * ldCol
        for oh in rows {
            let src = row + oh * outW
            let dst = plane + (oh * sh + rowOffset) * inW + colOffset
            if sw == 1 {
                for ow in cols { dst[ow] += src[ow] }
            } else {
                for ow in cols { dst[ow * sw] += src[ow] }
            }
        }
    }
}

extension ConvolutionGeometry {
    /// Calls `body(tap, rows, columns, rowOffset, columnOffset)` for each kernel tap (i, j) in
    /// row-major order: the tap's im2col row `i * kernelWidth + j`, the output rows and columns
    /// whose input lies inside the image, and the input offsets that output (0, 0) reads under it.
    @inline(__always)
    func forEachTap(_ body: (_ tap: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ rowOffset: Int, _ columnOffset: Int) -> Void) {
        for i in 0..<kernelHeight {
            let rows = validRows(tap: i), rowOffset = i * dilationHeight - padTop
            for j in 0..<kernelWidth {
                body(i * kernelWidth + j, rows, validColumns(tap: j), rowOffset, j * dilationWidth - padLeft)
            }
        }
    }
}

/// Unfolds images `first..<first+count` (channels of `group`) into one im2col matrix.
///
/// The matrix has `patchSize` rows and `count * outPlane` columns (image-major), so one GEMM
/// covers the whole chunk. Runs in parallel over (image, channel) unless `parallel` is false.
public func im2colBatch(_ input: UnsafePointer<Float>, geometry g: ConvolutionGeometry, group: Int,
                        first: Int, count: Int, col: UnsafeMutablePointer<Float>, parallel: Bool = true) {
    let taps = g.kernelHeight * g.kernelWidth, ld = count * g.outPlane
    let dst = SendablePointer(col), src = UncheckedBox(input)
    forEachBatchPlane(geometry: g, group: group, first: first, count: count, parallel: parallel) { planeOffset, blockOffset in
        let plane = src.value + planeOffset, target = dst.base + blockOffset
        if g.isPointwise {
            for r in 0..<taps { (target + r * ld).update(from: plane, count: g.outPlane) }
        } else {
            im2colPlane(plane, geometry: g, col: target, ldCol: ld)
        }
    }
}

/// Folds an im2col matrix of images `first..<first+count` (channels of `group`) into `output`, adding.
public func col2imBatch(_ col: UnsafePointer<Float>, geometry g: ConvolutionGeometry, group: Int,
                        first: Int, count: Int, output: UnsafeMutablePointer<Float>, parallel: Bool = true) {
    let ld = count * g.outPlane
    let dst = SendablePointer(output), src = UncheckedBox(col)
    forEachBatchPlane(geometry: g, group: group, first: first, count: count, parallel: parallel) { planeOffset, blockOffset in
        let plane = dst.base + planeOffset, rows = src.value + blockOffset
        if g.isPointwise {
            // One row per channel, lined up with the plane: a straight vector add.
            for i in 0..<g.inPlane { plane[i] += rows[i] }
        } else {
            col2imPlane(rows, ldCol: ld, geometry: g, plane: plane)
        }
    }
}

/// Calls `body(planeOffset, blockOffset)` for each (image, channel) of images `first..<first+count`
/// in `group`: where that channel's plane starts in the image tensor, and where its `taps` rows
/// start in the batch im2col matrix (leading dimension `count * outPlane`, image-major columns).
///
/// Runs in parallel over the pairs unless `parallel` is false.
@inline(__always)
func forEachBatchPlane(geometry g: ConvolutionGeometry, group: Int, first: Int, count: Int, parallel: Bool,
                       _ body: (_ planeOffset: Int, _ blockOffset: Int) -> Void) {
    let cg = g.inChannelsPerGroup, taps = g.kernelHeight * g.kernelWidth
    let ld = count * g.outPlane
    let grain = parallel ? max(1, (1 << 14) / max(1, taps * g.outPlane)) : Int.max
    Parallel.forEachChunk(count * cg, grain: grain) { range in
        for item in range {
            let (n, c) = item.quotientAndRemainder(dividingBy: cg)
            body(((first + n) * g.inChannels + group * cg + c) * g.inPlane, c * taps * ld + n * g.outPlane)
        }
    }
}

/// Copies the output channels of `group` for images `first..<first+count` into a
/// `outChannelsPerGroup x (count * outPlane)` matrix (image-major columns), or back (adding
/// `bias[channel]` on the way back when given).
public func gatherGroupRows(_ tensor: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry, group: Int,
                            first: Int, count: Int, matrix: UnsafeMutablePointer<Float>, toMatrix: Bool,
                            bias: UnsafePointer<Float>? = nil, parallel: Bool = true) {
    let mg = g.outChannelsPerGroup, plane = g.outPlane, ld = count * plane
    let t = SendablePointer(tensor), mat = SendablePointer(matrix), b = UncheckedBox(bias)
    Parallel.forEachChunk(count * mg, grain: parallel ? max(1, (1 << 15) / max(1, plane)) : Int.max) { range in
        for item in range {
            let (n, m) = item.quotientAndRemainder(dividingBy: mg)
            let tp = t.base + ((first + n) * g.outChannels + group * mg + m) * plane
            let mp = mat.base + m * ld + n * plane
            if toMatrix {
                mp.update(from: tp, count: plane)
            } else if let bias = b.value {
                let value = bias[group * mg + m]
                for i in 0..<plane { tp[i] = mp[i] + value }
            } else {
                tp.update(from: mp, count: plane)
            }
        }
    }
}
